using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using NeTracker.Testing.Servers;

namespace NeTracker.Web.Tests.Observability;

/// <summary>
/// A real Prometheus of the test's own (Debian package prometheus, installed by netracker.sh): a
/// temporary configuration and data directory, a free loopback port, one job scraping a target
/// every second with a bearer token, the given rule files. Killed and deleted on dispose.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;
    private readonly HttpClient _http;
    private readonly StringWriter _log = new();

    private PrometheusServer(Process process, string dir, int port)
    {
        _process = process;
        _dir = dir;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public static string? Binary => new[] { "/usr/bin/prometheus", "/usr/local/bin/prometheus" }.FirstOrDefault(File.Exists);

    public string Log => _log.ToString();

    public static async Task<PrometheusServer> StartAsync(Uri target, string bearer, IEnumerable<string> ruleFiles, CancellationToken ct)
    {
        var binary = Binary ?? throw new InvalidOperationException("prometheus is not installed (netracker.sh installs Debian's package)");
        var dir = Directory.CreateTempSubdirectory("nt-prometheus-").FullName;
        var port = ServerProcess.FreePort();
        var rules = string.Join("", ruleFiles.Select(f => $"\n  - {JsonSerializer.Serialize(f)}"));
        await File.WriteAllTextAsync(Path.Combine(dir, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:{(rules.Length == 0 ? " []" : rules)}
            scrape_configs:
              - job_name: netracker
                metrics_path: /metrics
                authorization:
                  type: Bearer
                  credentials: {JsonSerializer.Serialize(bearer)}
                static_configs:
                  - targets: [{JsonSerializer.Serialize($"{target.Host}:{target.Port}")}]
            """, ct);
        var start = new ProcessStartInfo(binary)
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                $"--config.file={Path.Combine(dir, "prometheus.yml")}",
                $"--storage.tsdb.path={Path.Combine(dir, "data")}",
                $"--web.listen-address=127.0.0.1:{port}",
            },
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("prometheus did not start");
        var server = new PrometheusServer(process, dir, port);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await Eventually.TrueAsync(async () =>
            {
                Assert.False(process.HasExited, $"prometheus exited: {server.Log}");
                return await server.ReadyAsync(ct);
            }, "Prometheus ready", seconds: 60);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
            lock (_log)
                _log.WriteLine(line);
    }

    private async Task<bool> ReadyAsync(CancellationToken ct)
    {
        try
        {
            using var r = await _http.GetAsync("/-/ready", ct);
            return r.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return false; // the client's own timeout: still starting
        }
    }

    /// <summary>An instant query: each series' labels and value; throws with Prometheus's error for a bad query.</summary>
    public async Task<IReadOnlyList<(JsonElement Metric, double Value)>> QueryAsync(string promql, CancellationToken ct)
    {
        using var response = await _http.GetAsync($"/api/v1/query?query={Uri.EscapeDataString(promql)}", ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        if (body.GetProperty("status").GetString() != "success")
            throw new InvalidOperationException($"{promql}: {body}");
        var data = body.GetProperty("data");
        if (data.GetProperty("resultType").GetString() == "scalar")
            return [(default, Number(data.GetProperty("result")))];
        return [.. data.GetProperty("result").EnumerateArray().Select(s => (s.GetProperty("metric"), Number(s.GetProperty("value"))))];
    }

    public async Task<JsonElement> GetAsync(string path, CancellationToken ct) =>
        (await _http.GetFromJsonAsync<JsonElement>(path, ct)).GetProperty("data");

    private static double Number(JsonElement value) => double.Parse(value[1].GetString()!, CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await ServerProcess.StopAsync(_process, _dir);
    }
}
