using System.Globalization;

namespace NeTracker.Kernel.Tests.Harness;

/// <summary>
/// How much longer than the hook's measurement the test client's own clock may run before a
/// timed check calls it scheduling noise. 1 ms on a real machine. The kernel matrix's guests
/// run under software emulation, where user space is 10–15× slower and a client thread sees its
/// last packet several ms late; tests/vm sets NETRACKER_TEST_CLIENT_LAG_MS for them. The other
/// bound (the hook never longer than the client) stays as tight everywhere.
/// </summary>
internal static class ClientClock
{
    public static long LagToleranceNs { get; } =
        long.TryParse(Environment.GetEnvironmentVariable("NETRACKER_TEST_CLIENT_LAG_MS"), NumberStyles.None,
            CultureInfo.InvariantCulture, out var ms) && ms > 0
            ? ms * 1_000_000
            : 1_000_000;
}
