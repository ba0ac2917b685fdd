namespace NeTracker.Web.Tests.Infrastructure;

/// <summary>Waits for a condition (polled every 25 ms), failing the test with <paramref name="what"/> after a timeout.</summary>
internal static class Eventually
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
}
