namespace NeTracker.Testing;

/// <summary>
/// The one condition wait of the tests: polls every 25 ms and fails the test with
/// <paramref name="what"/> after a timeout. Use it wherever a sleep would stand in for "until X".
/// </summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what, int seconds = 20)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        try
        {
            while (!condition())
                await Task.Delay(25, timeout.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            Assert.Fail($"not within {seconds} s: {what}");
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, then returns it (async conditions: HTTP, files).</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, int seconds = 20)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        try
        {
            while (!await condition())
                await Task.Delay(25, timeout.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            Assert.Fail($"not within {seconds} s: {what}");
        }
    }
}
