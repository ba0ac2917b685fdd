using NeTracker.Probe.Kernel;

namespace NeTracker.Testing;

/// <summary>ip and tc for the harness, argument lists only; failures throw with the tool's stderr.</summary>
public static class Shell
{
    public static Task<string> Ip(params string[] args) => ToolRunner.RunCheckedAsync("ip", args, CancellationToken.None);

    public static Task<string> Tc(params string[] args) => ToolRunner.RunCheckedAsync("tc", args, CancellationToken.None);

    /// <summary>Best effort, for cleanup: never throws.</summary>
    public static async Task TryIp(params string[] args)
    {
        try
        {
            await ToolRunner.RunAsync("ip", args, CancellationToken.None);
        }
        catch (Exception)
        {
            // cleanup of something that may not exist
        }
    }
}
