using System.Globalization;

namespace NeTracker.Kernel.Tests.Harness;

/// <summary>
/// How far the test client's own clock may run past the hook's measurement before a timed check
/// calls it more than scheduling noise. On a real machine: 1 ms (the lifecycle cases, the flood's
/// median) and 20 ms (each flood connection). The kernel matrix's guests run under software
/// emulation, where user space is 10–15× slower and a client thread sees its last packet tens of
/// ms late; tests/vm sets NETRACKER_TEST_CLOCK_SLACK (a factor) for them. The other bound — the
/// hook never longer than the client — is 50 µs on a real machine: the client's last packet
/// reaches the peer veth's hook in a softirq that may run just after the client's syscall
/// returned. Under emulation that softirq can wait for ksoftirqd (0.5 ms seen on 6.1), so it
/// scales with the same factor.
/// </summary>
internal static class ClientClock
{
    public static long Slack { get; } =
        long.TryParse(Environment.GetEnvironmentVariable("NETRACKER_TEST_CLOCK_SLACK"), NumberStyles.None,
            CultureInfo.InvariantCulture, out var factor) && factor > 0
            ? factor
            : 1;

    /// <summary>1 ms times <see cref="Slack"/>.</summary>
    public static long LagToleranceNs => 1_000_000 * Slack;

    /// <summary>How far the hook's duration may exceed the client's: 50 µs times <see cref="Slack"/>.</summary>
    public static long LeadToleranceNs => 50_000 * Slack;
}
