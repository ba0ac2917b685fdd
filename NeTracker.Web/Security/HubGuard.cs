using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using NeTracker.Probe.Agent;
using NeTracker.Web.Hubs;

namespace NeTracker.Web.Security;

/// <summary>
/// A filter on every hub — the connections hub and Blazor's circuits alike. On the connections
/// hub each method needs its scope: Publish needs <c>publish</c> (and the agent name the key is
/// bound to, <see cref="AgentBinding"/>), every other method <c>read</c> — so a method added later
/// is not open to an agent key. And every open connection is checked again every
/// <see cref="SecurityOptions.RevalidationInterval"/>: one whose session was signed out, whose
/// password changed, whose session outlived its absolute lifetime or whose key was removed or
/// changed is closed — which also ends a Blazor circuit (it cannot reconnect without a session).
/// </summary>
public sealed class HubGuard(SessionRegistry sessions, ApiKeyRing ring, AgentBinding binding, ILogger<HubGuard> logger)
    : IHubFilter
{
    private readonly ConcurrentDictionary<string, Open> _open = new(StringComparer.Ordinal);

    /// <param name="Circuit">A Blazor circuit's connection: closed two passes after its problem is seen, so that the page's
    /// <see cref="SessionGuard"/> (on its own timer of the same interval) has a whole interval to take the browser to
    /// the login form first. With one pass the two timers' phases could leave it no time at all: a page whose
    /// navigation was sent just after its circuit closed stayed on the reconnect screen.</param>
    private sealed record Open(HubCallerContext Context, bool Circuit)
    {
        public int PassesCondemned { get; set; }
    }

    /// <summary>Passes a circuit with a problem stays open (see <see cref="Open"/>).</summary>
    private const int CircuitGracePasses = 2;

    public int OpenConnections => _open.Count;

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocation, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var user = invocation.Context.User ?? new ClaimsPrincipal();
        // A circuit's own traffic (render acknowledgements, JS interop answers) goes on until
        // Revalidate closes it, so that its SessionGuard can still send the page to the login form.
        if (invocation.Hub is ConnectionsHub)
        {
            if (Problem(user) is { } problem)
            {
                invocation.Context.Abort();
                throw new HubException($"this connection has ended: {problem}.");
            }
            var method = invocation.HubMethodName;
            var scope = method == nameof(ConnectionsHub.Publish) ? KeyScopes.Publish : KeyScopes.Read;
            if (!KeyScopes.Has(user, scope))
                throw new HubException($"{method} needs the '{scope}' scope, which the key '{user.FindFirstValue(KeyScopes.KeyNameClaim)}' does not have.");
            if (scope == KeyScopes.Publish && invocation.HubMethodArguments is [AgentBatch batch, ..]
                && binding.Refusal(user, batch) is { } refusal)
            {
                logger.LogWarning("Refused a batch from agent '{Agent}': {Reason}", Printable(batch.Agent), refusal);
                throw new HubException("batch refused: " + refusal);
            }
        }
        return await next(invocation);
    }

    public Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        var user = context.Context.User ?? new ClaimsPrincipal();
        // A circuit runs the pages, and the Interfaces page attaches and detaches: as much as a
        // signed-in admin, so a key needs read and admin for it (a read key still gets the prerendered HTML).
        if (context.Hub is not ConnectionsHub && KeyScopes.IsApiKey(user) && !(KeyScopes.Has(user, KeyScopes.Read) && KeyScopes.Has(user, KeyScopes.Admin)))
        {
            logger.LogWarning("Refused a Blazor circuit to the key '{Key}': it needs the read and admin scopes.", user.FindFirstValue(KeyScopes.KeyNameClaim));
            throw new HubException("a Blazor circuit needs the read and admin scopes.");
        }
        _open[context.Context.ConnectionId] = new Open(context.Context, context.Hub is not ConnectionsHub);
        return next(context);
    }

    public Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        _open.TryRemove(context.Context.ConnectionId, out _);
        return next(context, exception);
    }

    /// <summary>Closes every open connection whose credentials no longer hold; returns how many.</summary>
    public int Revalidate()
    {
        var closed = 0;
        foreach (var (id, open) in _open)
        {
            var context = open.Context;
            if (Problem(context.User ?? new ClaimsPrincipal()) is not { } problem)
                continue;
            if (open.Circuit && open.PassesCondemned++ < CircuitGracePasses)
                continue;
            logger.LogInformation("Closing hub connection {Connection} of {User}: {Problem}.", id, context.User?.Identity?.Name, problem);
            _open.TryRemove(id, out _);
            context.Abort();
            closed++;
        }
        return closed;
    }

    /// <summary>Why a connection's (or circuit's) principal no longer holds, or null.</summary>
    public string? Problem(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true)
            return null; // The endpoint's policy decided at connect; nothing to revoke.
        if (KeyScopes.IsApiKey(user))
            return ring.IsCurrent(user.FindFirstValue(KeyScopes.KeyIdClaim), user.FindFirstValue(KeyScopes.KeyNameClaim))
                ? null
                : "its API key was removed or changed";
        return sessions.Problem(user);
    }

    private static string Printable(string? s) => new((s ?? "").Take(64).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}

/// <summary>Runs <see cref="HubGuard.Revalidate"/> every <see cref="SecurityOptions.RevalidationInterval"/>.</summary>
public sealed class HubRevalidation(HubGuard guard, IOptionsMonitor<SecurityOptions> options, TimeProvider time, ILogger<HubRevalidation> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.CurrentValue.RevalidationInterval, time, stoppingToken);
                guard.Revalidate();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Never stop checking: one bad principal must not leave every other connection unchecked.
                logger.LogError(e, "Hub revalidation failed; trying again.");
            }
        }
    }
}
