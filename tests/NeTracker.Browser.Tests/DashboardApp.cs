using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace NeTracker.Browser.Tests;

/// <summary>
/// The real dashboard on Kestrel at 127.0.0.1 (a free port) with the real in-process probe
/// under a unique instance name, data in a temporary directory.
/// </summary>
public class DashboardApp : WebApplicationFactory<Program>
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("nt-browser-").FullName;

    public DashboardApp() => UseKestrel(0);

    public string InstanceName { get; } = "brw" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));

    public Uri BaseAddress
    {
        get
        {
            StartServer();
            return new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("Kestrel:Endpoints:Http:Url", "http://127.0.0.1:0");
        builder.UseSetting("NeTracker:DataDirectory", _dataDir);
        builder.UseSetting("NeTracker:InstanceName", InstanceName);
    }

    public override async ValueTask DisposeAsync()
    {
        // Stopping the host disposes the probe: it detaches itself and removes its pins.
        await base.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }
}
