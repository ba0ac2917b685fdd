using MudBlazor.Services;
using NeTracker.Web.Api;
using NeTracker.Web.Components;
using NeTracker.Web.Agents;
using NeTracker.Web.Configuration;
using NeTracker.Web.History;
using NeTracker.Web.Hosting;
using NeTracker.Web.Security;
using NeTracker.Web.Metrics;
using NeTracker.Web.Resilience;

namespace NeTracker.Web;

/// <summary>Service registration and the request pipeline, so Program.cs stays a few lines.</summary>
public static class Extensions
{
    public static void AddNeTracker(this WebApplicationBuilder builder)
    {
        // The built (not published) app uses the static web assets manifest in every environment.
        builder.WebHost.UseStaticWebAssets();

        builder.Services.AddNeTrackerOptions<NeTrackerOptions, ValidateNeTrackerOptions>(builder.Configuration, NeTrackerOptions.Section);

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.AddNeTrackerResilience();
        builder.AddNeTrackerLive();
        builder.AddNeTrackerSecurity();
        builder.Services.AddNeTrackerMetrics();
        builder.AddNeTrackerOtlp();
        builder.Services.AddNeTrackerAgents();
        builder.AddNeTrackerHistory();
        builder.AddNeTrackerHosting();
    }

    public static void UseNeTracker(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
            app.UseExceptionHandler("/error", createScopeForErrors: true);

        app.UseNeTrackerSecurity();
        app.UseAntiforgery();
        app.MapStaticAssets().AllowAnonymous();
        app.MapNeTrackerApi();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.MapNeTrackerLive();
        app.MapNeTrackerMetrics();
        app.MapNeTrackerAgents();
        app.MapNeTrackerHosting();
    }
}
