using System.Runtime.CompilerServices;

namespace NeTracker.Testing;

/// <summary>
/// The one condition wait of the tests: polls every 25 ms and fails the test, naming what it
/// waited for (<paramref name="what"/>, or the condition's own source text), after a timeout.
/// Use it wherever a sleep would stand in for "until X".
/// </summary>
public static class Eventually
{
    public static Task TrueAsync(Func<bool> condition, string? what = null, int seconds = 20,
        [CallerArgumentExpression(nameof(condition))] string expression = "")
        => TrueAsync(() => Task.FromResult(condition()), what ?? expression, seconds);

    /// <summary>The same, with what was waited for described when the wait fails (the state it ended in).</summary>
    public static Task TrueAsync(Func<bool> condition, Func<string> what, int seconds = 20)
        => TrueAsync(() => Task.FromResult(condition()), what, seconds);

    /// <summary>The same for a condition that is read asynchronously (HTTP, files).</summary>
    public static Task TrueAsync(Func<Task<bool>> condition, string what, int seconds = 20)
        => TrueAsync(condition, () => what, seconds);

    private static async Task TrueAsync(Func<Task<bool>> condition, Func<string> what, int seconds)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        try
        {
            while (!await condition())
                await Task.Delay(25, timeout.Token); // the poll of the condition wait
        }
        // Only this wait's own timeout is "not within N s"; a condition that gave up by itself (an
        // HTTP client's timeout) is its own failure, with its own message.
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            Assert.Fail($"not within {seconds} s: {what()}");
        }
    }
}
