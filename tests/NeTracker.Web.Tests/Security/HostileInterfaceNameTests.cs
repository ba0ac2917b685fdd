using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NeTracker.Probe;
using NeTracker.Probe.Tc;

namespace NeTracker.Web.Tests.Security;

/// <summary>
/// Hostile interface names on every attach/detach path — the REST endpoints (with the real
/// <see cref="ConnectionProbe"/> behind them), the probe itself (what the Interfaces page
/// buttons call) and <see cref="TcAttacher"/> — are refused with a clear message, and `tc`
/// (a fake one that logs every run) is never started.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class HostileInterfaceNameTests(HostileInterfaceNameTests.App app) : IClassFixture<HostileInterfaceNameTests.App>
{
    private readonly FakeTc _tc = app.Tc;
    private readonly App _app = app;

    public static TheoryData<string, HttpStatusCode, string> Names => new()
    {
        { "eth0; reboot", HttpStatusCode.BadRequest, "found ';'" },
        { "eth0 reboot", HttpStatusCode.BadRequest, "found a space" },
        { "$(reboot)", HttpStatusCode.BadRequest, "found '$'" },
        { "`reboot`", HttpStatusCode.BadRequest, "found '`'" },
        { "..%2F..%2Fx", HttpStatusCode.BadRequest, "found '%'" },
        { "abcdefghijklmnopqrstuvwxyz", HttpStatusCode.BadRequest, "at most 15" },
        { "eth0\u00e9", HttpStatusCode.BadRequest, "U+00E9" },
        { "\uff45\uff54\uff48\uff10", HttpStatusCode.BadRequest, "U+FF45" }, // fullwidth "eth0"
        { "eth0\u202e", HttpStatusCode.BadRequest, "U+202E" },                // right-to-left override
        { "-help", HttpStatusCode.BadRequest, "start with '-'" },
        { "eth0:1", HttpStatusCode.BadRequest, "found ':'" },
        { "ntnope0x7f3a", HttpStatusCode.NotFound, "no interface named 'ntnope0x7f3a'" },
    };

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Rest_attach_and_detach_refuse_the_name_and_never_run_tc(string name, HttpStatusCode status, string message)
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = _app.CreateAuthenticatedClient();
        foreach (var action in new[] { "attach", "detach" })
        {
            var segment = name.Contains('%', StringComparison.Ordinal) ? name : Uri.EscapeDataString(name);
            using var response = await http.PostAsync($"/api/interfaces/{segment}/{action}", null, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            Assert.True(status == response.StatusCode, $"{action} '{name}': {(int)response.StatusCode} {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(message, body, StringComparison.OrdinalIgnoreCase);
        }
        Assert.Empty(_tc.Calls);
    }

    [Theory]
    [InlineData("/api/interfaces/../../x/attach")]
    [InlineData("/api/interfaces/../attach")]
    [InlineData("/api/interfaces/./detach")]
    public async Task Dot_segments_that_the_url_resolves_away_never_reach_tc_either(string path)
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = _app.CreateAuthenticatedClient();
        using var response = await http.PostAsync(path, null, ct);
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest or HttpStatusCode.MethodNotAllowed,
            $"{(int)response.StatusCode}");
        Assert.Empty(_tc.Calls);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task The_probe_and_tc_attacher_refuse_the_name_and_never_run_tc(string name, HttpStatusCode status, string message)
    {
        _ = status;
        var ct = TestContext.Current.CancellationToken;
        var probe = _app.Services.GetRequiredService<IConnectionProbe>();
        var e1 = await Assert.ThrowsAnyAsync<Exception>(() => probe.AttachAsync(name, ct));
        Assert.True(e1 is ProbeException or ArgumentException, e1.ToString());
        if (status == HttpStatusCode.BadRequest)
        {
            var e2 = await Assert.ThrowsAnyAsync<Exception>(() => probe.DetachAsync(name, ct));
            Assert.True(e2 is ProbeException or ArgumentException, e2.ToString());
        }
        else
        {
            // Detach is idempotent: a name that names nothing has nothing to detach.
            await probe.DetachAsync(name, ct);
        }

        var attacher = new TcAttacher(TcOptions.ForInstance("sectest", _tc.Path, _tc.Scratch("state")));
        var e3 = await Assert.ThrowsAnyAsync<Exception>(() => attacher.AttachAsync(name, "/sys/fs/bpf/none/in", "/sys/fs/bpf/none/out", ct));
        Assert.True(e3 is ProbeException or ArgumentException, e3.ToString());
        if (status == HttpStatusCode.BadRequest)
            Assert.Contains(message.Replace("found ", "", StringComparison.Ordinal), e3.Message, StringComparison.OrdinalIgnoreCase);
        await attacher.DetachAsync(name, ct).ContinueWith(_ => { }, ct, TaskContinuationOptions.None, TaskScheduler.Default);
        Assert.Empty(_tc.Calls);
    }

    /// <summary>The real probe (never started: no program is loaded) with every tool pointed at the fake.</summary>
    public sealed class App : NeTrackerAppFactory
    {
        internal FakeTc Tc { get; } = new();

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            Tc.Dispose();
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(s =>
            {
                s.RemoveAll<IConnectionProbe>();
                s.AddSingleton<IConnectionProbe>(new ConnectionProbe(new ProbeOptions
                {
                    InstanceName = "sectest",
                    TcPath = Tc.Path,
                    IpPath = Tc.Path,
                    BpftoolPath = Tc.Path,
                    MountPath = Tc.Path,
                    BpffsRoot = Tc.Scratch("bpffs"),
                    TracefsRoot = Tc.Scratch("tracefs"),
                    StateRoot = Tc.Scratch("run"),
                }));
            });
        }
    }
}
