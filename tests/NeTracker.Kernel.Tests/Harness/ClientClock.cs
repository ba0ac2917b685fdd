using System.Globalization;

namespace NeTracker.Kernel.Tests.Harness;

/// <summary>
/// How far the test client's own clock may run past the hook's measurement before a timed check
/// calls it more than scheduling noise. On a real machine: 1 ms (the lifecycle cases, the flood's
/// median) and 20 ms (each flood connection). The kernel matrix's guests run under software
/// emulation, where user space is 10–15× slower and a client thread sees its last packet tens of
/// ms late; tests/vm sets NETRACKER_TEST_CLOCK_SLACK (a factor) for them. The other bound — the
/// hook never longer than the client — stays as tight everywhere.
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
}
