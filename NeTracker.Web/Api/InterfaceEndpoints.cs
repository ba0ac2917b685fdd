using NeTracker.Probe;
using NeTracker.Probe.Tc;
using NeTracker.Web.Ingest;

namespace NeTracker.Web.Api;

/// <summary>
/// GET /api/interfaces, POST /api/interfaces/{name}/attach and /detach. A name is checked against
/// the kernel's naming rules (<see cref="InterfaceName"/>, 400) and then against the interfaces
/// that exist (404) before the probe sees it.
/// </summary>
internal static class InterfaceEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/interfaces", ListAsync);
        // Attaching and detaching drive the kernel: the admin scope (Security/KeyScopes.cs), not read.
        api.MapPost("/interfaces/{name}/attach", (string name, ProbeHostedService probeHost, CancellationToken ct) =>
            ChangeAsync(name, probeHost, (p, n, c) => p.AttachAsync(n, c), ct)).RequireAuthorization(Security.KeyScopes.Admin);
        api.MapPost("/interfaces/{name}/detach", (string name, ProbeHostedService probeHost, CancellationToken ct) =>
            ChangeAsync(name, probeHost, (p, n, c) => p.DetachAsync(n, c), ct)).RequireAuthorization(Security.KeyScopes.Admin);
    }

    // The probe as the pages see it (ProbeHostedService): a call made while it starts waits for it.
    private static async Task<IResult> ListAsync(ProbeHostedService probeHost, CancellationToken ct)
    {
        if (await probeHost.Ready.WaitAsync(ct) is not { } probe)
            return NoProbe();
        try
        {
            return Results.Json(await probe.ListInterfacesAsync(ct), ApiJson.Options);
        }
        catch (ProbeException e)
        {
            return Results.Problem(title: "Cannot list interfaces", detail: e.Message, statusCode: StatusCodes.Status500InternalServerError);
        }
    }

    private static async Task<IResult> ChangeAsync(string name, ProbeHostedService probeHost,
        Func<IConnectionProbe, string, CancellationToken, Task<InterfaceState>> change, CancellationToken ct)
    {
        if (!InterfaceName.TryValidate(name, out var problem))
            return Results.Problem(title: "Invalid interface name", detail: problem, statusCode: StatusCodes.Status400BadRequest);
        // Checked in this process's network namespace without running any tool, so a name that
        // names nothing never reaches ip or tc, not even their read-only listings.
        if (!InterfaceName.Exists(name))
            return NoSuchInterface(name);
        if (await probeHost.Ready.WaitAsync(ct) is not { } probe)
            return NoProbe();
        try
        {
            var interfaces = await probe.ListInterfacesAsync(ct);
            if (!interfaces.Any(i => string.Equals(i.Name, name, StringComparison.Ordinal)))
                return NoSuchInterface(name);
            return Results.Json(await change(probe, name, ct), ApiJson.Options);
        }
        catch (ProbeException e)
        {
            // The probe's message says what failed and what to do (tc error, missing capability, ...).
            return Results.Problem(title: $"Cannot change '{name}'", detail: e.Message, statusCode: StatusCodes.Status409Conflict);
        }
    }

    private static IResult NoSuchInterface(string name) => Results.Problem(title: "No such interface",
        detail: $"There is no interface named '{name}' on this host; GET /api/interfaces lists them.",
        statusCode: StatusCodes.Status404NotFound);

    private static IResult NoProbe() => Results.Problem(title: "No probe",
        detail: "This dashboard runs no local probe (disabled, or it failed to start: see the Health page), so it cannot list or attach interfaces.",
        statusCode: StatusCodes.Status503ServiceUnavailable);
}
