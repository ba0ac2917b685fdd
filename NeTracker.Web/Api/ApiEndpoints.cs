namespace NeTracker.Web.Api;

public static class ApiEndpoints
{
    /// <summary>
    /// The REST API under /api plus /healthz: ordinary minimal-API endpoints, so a global
    /// authorization policy covers them like every page.
    /// </summary>
    public static void MapNeTrackerApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        ConnectionEndpoints.Map(api);
        InterfaceEndpoints.Map(api);
        StatusEndpoints.Map(app, api);
    }
}
