using System.Diagnostics;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using NeTracker.Testing.Servers;

namespace NeTracker.Web.Tests.Observability;

/// <summary>
/// A real OTLP receiver: the Aspire Dashboard (package Aspire.Dashboard.Sdk.linux-x64, restored
/// with the test project, run from the package folder), on free loopback ports for its UI (and
/// telemetry API), OTLP/gRPC and OTLP/HTTP, unsecured on loopback, in its own working directory.
/// Killed on dispose, whatever the test did.
/// </summary>
public sealed class AspireDashboard : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;
    private readonly HttpClient _http;

    private AspireDashboard(Process process, string dir, int ui, int grpc, int http)
    {
        _process = process;
        _dir = dir;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ui}"), Timeout = TimeSpan.FromSeconds(10) };
        GrpcEndpoint = $"http://127.0.0.1:{grpc}";
        HttpEndpoint = $"http://127.0.0.1:{http}";
    }

    public string GrpcEndpoint { get; }

    public string HttpEndpoint { get; }

    public static string Binary
    {
        get
        {
            var package = typeof(AspireDashboard).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .First(a => a.Key == "AspireDashboardPackage").Value;
            return Path.Combine(package!, "tools", "Aspire.Dashboard");
        }
    }

    public static async Task<AspireDashboard> StartAsync(CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("nt-aspire-").FullName;
        var (ui, grpc, http) = (ServerProcess.FreePort(), ServerProcess.FreePort(), ServerProcess.FreePort());
        var start = new ProcessStartInfo(Binary)
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ui}",
                ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{grpc}",
                ["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"] = $"http://127.0.0.1:{http}",
                ["ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true",
                ["ASPIRE_DASHBOARD_API_ENABLED"] = "true",
                ["Dashboard__Api__AuthMode"] = "Unsecured",
                ["HOME"] = dir,
            },
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{Binary} did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var dashboard = new AspireDashboard(process, dir, ui, grpc, http);
        try
        {
            await Eventually.TrueAsync(async () => !process.HasExited && await dashboard.ResourcesAsync(ct) is not null,
                "the Aspire Dashboard's telemetry API answers", seconds: 60);
            return dashboard;
        }
        catch
        {
            await dashboard.DisposeAsync();
            throw;
        }
    }

    /// <summary>The resources (services) that sent telemetry, from the dashboard's API; null while it does not answer.</summary>
    public async Task<JsonElement[]?> ResourcesAsync(CancellationToken ct)
    {
        try
        {
            return await _http.GetFromJsonAsync<JsonElement[]>("/api/telemetry/resources", ct);
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return null; // the client's 10 s timeout: a dashboard still starting on a cold, busy machine
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await ServerProcess.StopAsync(_process, _dir);
    }
}
