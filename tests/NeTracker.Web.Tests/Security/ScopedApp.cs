using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe.Export;
using NeTracker.Web.Hubs;
using NeTracker.Web.Security;

namespace NeTracker.Web.Tests.Security;

/// <summary>
/// The app (in memory) with one key per scope besides the factory's own key, which has no scopes
/// (the rights of a key from before scopes): a reader, an agent key bound to "agent-a", an admin key.
/// </summary>
public sealed class ScopedApp : NeTrackerAppFactory
{
    public const string ReaderKey = "reader-key-0123456789-abcdefghijklmnop";
    public const string AgentKey = "agent-a-key-0123456789-abcdefghijklmnop";
    public const string AdminKey = "admin-key-0123456789-abcdefghijklmnopq";

    public ScopedApp()
    {
        Key(1, "reader", ReaderKey, [KeyScopes.Read]);
        Key(2, "agent-a", AgentKey, [KeyScopes.Publish], "agent-a");
        Key(3, "operator", AdminKey, [KeyScopes.Admin]);
    }

    private void Key(int i, string name, string key, string[] scopes, params string[] agents)
    {
        Settings[$"NeTracker:Security:ApiKeys:{i}:Name"] = name;
        Settings[$"NeTracker:Security:ApiKeys:{i}:Key"] = key;
        for (var s = 0; s < scopes.Length; s++)
            Settings[$"NeTracker:Security:ApiKeys:{i}:Scopes:{s}"] = scopes[s];
        for (var a = 0; a < agents.Length; a++)
            Settings[$"NeTracker:Security:ApiKeys:{i}:Agents:{a}"] = agents[a];
    }

    public HttpClient ClientWith(string key)
    {
        var client = CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, key);
        return client;
    }

    /// <summary>A hub client (JSON, as an agent) authenticated with <paramref name="key"/>; long polling, so every request goes through the in-memory handler with the key.</summary>
    public HubConnection HubWith(string key) => new HubConnectionBuilder()
        .WithUrl(HubUrl(ConnectionsHub.Path), o =>
        {
            ConfigureHub(o);
            o.Headers[ApiKeyAuthenticationHandler.HeaderName] = key;
            o.Transports = HttpTransportType.LongPolling;
        })
        .AddJsonProtocol(o => RecordJson.Configure(o.PayloadSerializerOptions))
        .Build();
}
