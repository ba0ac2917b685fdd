using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe.Export;
using NeTracker.Web.Hubs;

namespace NeTracker.Web.Tests.Hubs;

/// <summary>
/// The real app on Kestrel at 127.0.0.1 (a free port), fed only through IngestService (no
/// in-process probe), data in a temporary directory; authenticated with the test API key
/// (<see cref="NeTrackerAppFactory"/>).
/// </summary>
public class LiveAppFactory : NeTrackerAppFactory
{
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
        base.ConfigureWebHost(builder);
        builder.UseSetting("Kestrel:Endpoints:Http:Url", "http://127.0.0.1:0");
        builder.UseSetting("NeTracker:Live:LocalProbe", "false");
    }

    /// <summary>An HttpClient to the real listening address with the test API key.</summary>
    public HttpClient CreateApiClient()
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Add(NeTracker.Web.Security.ApiKeyAuthenticationHandler.HeaderName, ApiKey);
        return client;
    }

    /// <summary>A hub client speaking JSON (the default) or MessagePack, as a script would.</summary>
    public HubConnection CreateHubConnection(HubProtocol protocol = HubProtocol.Json)
    {
        var builder = new HubConnectionBuilder().WithUrl(new Uri(BaseAddress, ConnectionsHub.Path), ConfigureHub);
        return (protocol == HubProtocol.Json
                ? builder.AddJsonProtocol(o => RecordJson.Configure(o.PayloadSerializerOptions))
                : builder.AddMessagePackProtocol(o => o.SerializerOptions = RecordMessagePack.Options))
            .Build();
    }
}

public enum HubProtocol
{
    Json,
    MessagePack,
}
