using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NeTracker.Web.Security;

namespace NeTracker.Web.Tests.Security;

/// <summary>
/// A Blazor circuit runs the pages — the Interfaces page attaches and detaches — so a key needs
/// read and admin to open one; a read-only key must not reach attach through a circuit.
/// </summary>
public sealed class CircuitScopeTests
{
    [Fact]
    public async Task A_read_key_cannot_open_a_circuit_a_key_with_every_scope_can()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new ScopedApp();

        await using var reader = Circuit(app, ScopedApp.ReaderKey);
        var refused = Closed(reader);
        // The handshake succeeds, then the server closes the connection from OnConnectedAsync.
        try
        {
            await reader.StartAsync(ct);
        }
        catch (Exception e) when (e is HubException or InvalidOperationException or IOException)
        {
        }
        Assert.Same(refused, await Task.WhenAny(refused, Task.Delay(TimeSpan.FromSeconds(10), ct)));
        Assert.Equal(HubConnectionState.Disconnected, reader.State);

        await using var full = Circuit(app, NeTrackerAppFactory.ApiKey);
        await full.StartAsync(ct);
        await Task.Delay(500, ct); // time under test: a refusal would have closed it by now
        Assert.Equal(HubConnectionState.Connected, full.State);
    }

    /// <summary>A raw connection to /_blazor speaking Blazor's protocol name (MessagePack underneath): enough for the connect step.</summary>
    private static HubConnection Circuit(ScopedApp app, string key)
    {
        var builder = new HubConnectionBuilder().WithUrl(app.HubUrl("/_blazor"), o =>
        {
            app.ConfigureHub(o);
            o.Headers[ApiKeyAuthenticationHandler.HeaderName] = key;
            o.Transports = HttpTransportType.LongPolling;
        });
        builder.Services.RemoveAll<IHubProtocol>();
        builder.Services.AddSingleton<IHubProtocol>(new BlazorPackName());
        return builder.Build();
    }

    private static Task Closed(HubConnection hub)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        return closed.Task;
    }

    private sealed class BlazorPackName : IHubProtocol
    {
        private readonly MessagePackHubProtocol _inner = new();
        public string Name => "blazorpack";
        public int Version => 2;
        public TransferFormat TransferFormat => TransferFormat.Binary;
        public bool IsVersionSupported(int version) => version == Version;
        public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HubMessage? message) =>
            _inner.TryParseMessage(ref input, binder, out message);
        public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => _inner.WriteMessage(message, output);
        public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => _inner.GetMessageBytes(message);
    }
}
