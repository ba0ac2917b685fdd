using System.Text;
using NeTracker.Kernel.Tests.Harness;
using NeTracker.Probe;
using NeTracker.Probe.Cli;

namespace NeTracker.Kernel.Tests.FailSafe;

/// <summary>`status` names what an instance left in the kernel and for how long: its own lease,
/// and other instances' — active with the seconds left, then dormant since when.</summary>
[Trait("Category", "Kernel")]
public sealed class LeaseStatusTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [KernelFact]
    [Trait("matrix", "yes")]
    public async Task Status_shows_an_attached_instance_active_then_dormant_when_its_lease_runs_out()
    {
        await using var net = await TestNetwork.CreateAsync();
        var left = "ls" + TestNetwork.NewSuffix();
        var other = "ls" + TestNetwork.NewSuffix();
        var output = new StringBuilder();
        var env = new CliEnvironment(TextWriter.Synchronized(new StringWriter(output)), TextWriter.Null,
            r => new ConnectionProbe(AttachedProbe.TestOptions(r.InstanceName) with
            {
                DetachOnDispose = r.DetachOnDispose, ReadEvents = r.ReadEvents, LeaseWindow = r.LeaseWindow ?? TimeSpan.FromMinutes(1), UseTcx = r.UseTcx,
            }));
        var hooks = new InstanceHooks(left);
        try
        {
            // 10 s: under software emulation (the kernel matrix) a `status` takes seconds of its own.
            Assert.Equal(ProbeCommandLine.Ok, await ProbeCommandLine.RunAsync(["attach", "--interface", net.ClientHost, "--instance", left, "--lease", "10"], env, Ct));
            output.Clear();
            Assert.Equal(ProbeCommandLine.Ok, await ProbeCommandLine.RunAsync(["status", "--interface", net.ClientHost, "--instance", left], env, Ct));
            Assert.Matches(@"lease: active, expires in ([1-9]|10) s; attached through (tcx links|tc filters)", output.ToString());

            await Eventually.TrueAsync(() => hooks.Lease is { Active: false }, "the lease runs out", seconds: 15);
            output.Clear();
            Assert.Equal(ProbeCommandLine.Ok, await ProbeCommandLine.RunAsync(["status", "--interface", net.ClientHost, "--instance", other], env, Ct));
            Assert.Matches($@"(?m)^  {left}: lease dormant since \d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\dZ", output.ToString());
            Assert.False(await hooks.TracksANewConnectionAsync(net));
        }
        finally
        {
            await hooks.RemoveAsync();
            await new InstanceHooks(other).RemoveAsync();
        }
    }
}
