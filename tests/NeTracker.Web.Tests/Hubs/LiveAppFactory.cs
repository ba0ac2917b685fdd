using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe.Export;
using NeTracker.Web.Hubs;

namespace NeTracker.Web.Tests.Hubs;

/// <summary>
/// The real app on Kestrel at 127.0.0.1 (a free port), fed only through IngestService (no
/// in-process probe), data in a temporary directory.
/// </summary>
public sealed class LiveAppFactory : WebApplicationFactory<Program>
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("nt-hub-").FullName;

    public LiveAppFactory() => UseKestrel(0);

    public Uri BaseAddress
    {
        get
        {
            StartServer();
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Uri(address);
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Kestrel:Endpoints:Http:Url", "http://127.0.0.1:0");
        builder.UseSetting("NeTracker:DataDirectory", _dataDir);
        builder.UseSetting("NeTracker:Live:LocalProbe", "false");
    }

    public HubConnection CreateHubConnection() =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(BaseAddress, ConnectionsHub.Path))
            .AddJsonProtocol(o => RecordJson.Configure(o.PayloadSerializerOptions))
            .Build();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }
}
