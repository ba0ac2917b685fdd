using System.Net;
using System.Security.Cryptography;

namespace NeTracker.Testing;

/// <summary>
/// Two network namespaces (client, server) joined through a bridge in the host namespace:
///
///   [ns client] ClientPeer ── ClientHost ─┐                ┌─ ServerHost ── ServerPeer [ns server]
///                                          └── Bridge (host) ┘
///
/// The host namespace holds no address at all: the probe attaches to ClientHost (a client's SYN
/// arrives at its ingress: inbound) or ServerHost (the SYN leaves at its egress: outbound).
/// Addresses 198.18.0.1/.2 and 2001:2::1/::2 live only inside the namespaces, so every
/// network can use the same ones. Names carry a random suffix; DisposeAsync removes it all.
/// </summary>
public sealed class TestNetwork : IAsyncDisposable
{
    public static readonly IPAddress ClientV4 = IPAddress.Parse("198.18.0.1");
    public static readonly IPAddress ServerV4 = IPAddress.Parse("198.18.0.2");
    public static readonly IPAddress ClientV6 = IPAddress.Parse("2001:2::1");
    public static readonly IPAddress ServerV6 = IPAddress.Parse("2001:2::2");

    private TestNetwork(string suffix)
    {
        Suffix = suffix;
    }

    public string Suffix { get; }
    public string ClientNsName => "ntkc" + Suffix;
    public string ServerNsName => "ntks" + Suffix;
    public string Bridge => "ntb" + Suffix;
    public string ClientHost => "ntch" + Suffix;
    public string ClientPeer => "ntcp" + Suffix;
    public string ServerHost => "ntsh" + Suffix;
    public string ServerPeer => "ntsp" + Suffix;
    public Netns Client { get; private set; } = null!;
    public Netns Server { get; private set; } = null!;

    public static string NewSuffix() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));

    public static async Task<TestNetwork> CreateAsync()
    {
        var net = new TestNetwork(NewSuffix());
        try
        {
            await net.BuildAsync();
            return net;
        }
        catch
        {
            await net.DisposeAsync();
            throw;
        }
    }

    public int IfIndex(string hostInterface)
        => int.Parse(File.ReadAllText($"/sys/class/net/{hostInterface}/ifindex").Trim(), System.Globalization.CultureInfo.InvariantCulture);

    private async Task BuildAsync()
    {
        await Shell.Ip("netns", "add", ClientNsName);
        await Shell.Ip("netns", "add", ServerNsName);
        await Shell.Ip("link", "add", Bridge, "type", "bridge");
        await Shell.Ip("link", "set", Bridge, "addrgenmode", "none");
        foreach (var (host, peer, ns, v4, v6) in new[]
                 {
                     (ClientHost, ClientPeer, ClientNsName, ClientV4, ClientV6),
                     (ServerHost, ServerPeer, ServerNsName, ServerV4, ServerV6),
                 })
        {
            await Shell.Ip("link", "add", host, "type", "veth", "peer", "name", peer, "netns", ns);
            await Shell.Ip("link", "set", host, "addrgenmode", "none");
            await Shell.Ip("link", "set", host, "master", Bridge, "up");
            await Shell.Ip("-n", ns, "addr", "add", v4 + "/24", "dev", peer);
            await Shell.Ip("-n", ns, "addr", "add", v6 + "/64", "dev", peer, "nodad");
            await Shell.Ip("-n", ns, "link", "set", peer, "up");
            await Shell.Ip("-n", ns, "link", "set", "lo", "up");
        }
        await Shell.Ip("link", "set", Bridge, "up");
        Client = new Netns(ClientNsName);
        Server = new Netns(ServerNsName);
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        Server?.Dispose();
        // Deleting a namespace deletes the veth peer inside it, and with it the host end.
        await Shell.TryIp("netns", "del", ClientNsName);
        await Shell.TryIp("netns", "del", ServerNsName);
        await Shell.TryIp("link", "del", ClientHost);
        await Shell.TryIp("link", "del", ServerHost);
        await Shell.TryIp("link", "del", Bridge);
    }
}
