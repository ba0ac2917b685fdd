using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;

namespace NeTracker.Web.Security;

/// <summary>
/// In every page's layout: while the page's circuit runs, checks its sign-in every
/// <see cref="SecurityOptions.RevalidationInterval"/> and, once it was signed out (in another tab,
/// or a copy of it), the password changed or the session reached its lifetime, takes the page to
/// the login form. <see cref="HubGuard"/> closes the circuit's connection a moment later whatever
/// the browser does; this is what the user sees.
/// </summary>
public sealed class SessionGuard : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _stop = new();

    [Inject] private AuthenticationStateProvider Authentication { get; set; } = default!;
    [Inject] private HubGuard Guard { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private IOptionsMonitor<SecurityOptions> Options { get; set; } = default!;

    protected override void OnAfterRender(bool firstRender)
    {
        // Only interactive renders get here: a prerender has no circuit to watch.
        if (firstRender)
            _ = WatchAsync(_stop.Token);
    }

    private async Task WatchAsync(CancellationToken ct)
    {
        try
        {
            var user = (await Authentication.GetAuthenticationStateAsync()).User;
            using var timer = new PeriodicTimer(Options.CurrentValue.RevalidationInterval);
            while (await timer.WaitForNextTickAsync(ct))
            {
                if (Guard.Problem(user) is null)
                    continue;
                await InvokeAsync(() => Navigation.NavigateTo("/login", forceLoad: true));
                return;
            }
        }
        catch (OperationCanceledException)
        {
            // The page went away.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
