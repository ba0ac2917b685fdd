using System.Diagnostics;
using System.Text.RegularExpressions;

namespace NeTracker.Web.Tests.Api;

/// <summary>
/// The built app as its own process (as `netracker.sh run` starts it) on a free loopback port,
/// so its memory can be read from /proc without the test's own allocations in it.
/// </summary>
internal sealed partial class AppProcess : IAsyncDisposable
{
    private readonly Process _process;

    private AppProcess(Process process, Uri url)
    {
        _process = process;
        Url = url;
    }

    /// <summary>Configured for the app and sent by <see cref="CreateClient"/> (every API call needs authentication).</summary>
    public const string ApiKey = "bench-api-key-0123456789-abcdefghijklmnopq";

    public Uri Url { get; }
    public int Pid => _process.Id;

    public static async Task<AppProcess> StartAsync(IReadOnlyDictionary<string, string> environment, CancellationToken ct)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "NeTracker.Web.dll");
        var psi = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = RepoPaths.WebProject,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        psi.Environment["Kestrel__Endpoints__Http__Url"] = "http://127.0.0.1:0";
        psi.Environment["NeTracker__Live__LocalProbe"] = "false";
        psi.Environment["NeTracker__Security__AdminPassword"] = "bench-admin-password-0123456789";
        psi.Environment["NeTracker__Security__ApiKeys__0__Name"] = "bench";
        psi.Environment["NeTracker__Security__ApiKeys__0__Key"] = ApiKey;
        foreach (var (k, v) in environment)
            psi.Environment[k] = v;
        var process = Process.Start(psi)!;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                var m = ListeningRegex().Match(line);
                if (m.Success)
                {
                    // Keep draining stdout so the app never blocks on a full pipe.
                    _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None);
                    _ = process.StandardError.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None);
                    return new AppProcess(process, new Uri(m.Groups[1].Value));
                }
            }
            throw new InvalidOperationException("the app exited before listening: " + await process.StandardError.ReadToEndAsync(ct));
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public HttpClient CreateClient()
    {
        var http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return http;
    }

    /// <summary>A field of /proc/PID/status in bytes (VmRSS, VmHWM).</summary>
    public long StatusBytes(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        throw new InvalidOperationException(field + " not in /proc status");
    }

    /// <summary>CPU time the app has used (user + system, /proc/PID/stat; clock ticks of 10 ms).</summary>
    public TimeSpan CpuTime()
    {
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 14 and 15 of stat(5); fields[0] here is field 3 (state).
        var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    /// <summary>Resets the peak resident set (VmHWM) to the current one (Linux "clear_refs" 5).</summary>
    public void ResetPeak() => File.WriteAllText($"/proc/{Pid}/clear_refs", "5");

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync(CancellationToken.None);
        _process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: (\S+)")]
    private static partial Regex ListeningRegex();
}
