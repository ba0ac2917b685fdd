using System.Net;
using System.Security.Cryptography;
using NeTracker.Kernel.Tests.Harness;

namespace NeTracker.Kernel.Tests.Owner;

/// <summary>
/// A veth whose host end has an address in the host namespace (so host processes own the
/// sockets of its connections) and whose peer sits in a namespace of its own:
///
///   [host] HostEnd 198.19.N.1/30 ── PeerEnd 198.19.N.2/30 [ns Netns]
///
/// N is random so concurrent runs rarely meet; everything is removed on dispose.
/// </summary>
internal sealed class HostLink : IAsyncDisposable
{
    private HostLink(string suffix, int n)
    {
        Suffix = suffix;
        HostAddress = IPAddress.Parse($"198.19.{n}.1");
        PeerAddress = IPAddress.Parse($"198.19.{n}.2");
    }

    public string Suffix { get; }
    public string HostEnd => "ntoh" + Suffix;
    public string PeerEnd => "ntop" + Suffix;
    public string Netns => "ntons" + Suffix;
    public IPAddress HostAddress { get; }
    public IPAddress PeerAddress { get; }

    public static async Task<HostLink> CreateAsync()
    {
        var link = new HostLink(TestNetwork.NewSuffix(), RandomNumberGenerator.GetInt32(1, 255));
        try
        {
            await Shell.Ip("netns", "add", link.Netns);
            await Shell.Ip("link", "add", link.HostEnd, "type", "veth", "peer", "name", link.PeerEnd, "netns", link.Netns);
            await Shell.Ip("addr", "add", link.HostAddress + "/30", "dev", link.HostEnd);
            await Shell.Ip("link", "set", link.HostEnd, "up");
            await Shell.Ip("-n", link.Netns, "addr", "add", link.PeerAddress + "/30", "dev", link.PeerEnd);
            await Shell.Ip("-n", link.Netns, "link", "set", link.PeerEnd, "up");
            await Shell.Ip("-n", link.Netns, "link", "set", "lo", "up");
            return link;
        }
        catch
        {
            await link.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Shell.TryIp("netns", "del", Netns);
        await Shell.TryIp("link", "del", HostEnd);
    }
}
