using System.Globalization;
using System.Net;
using System.Security.Cryptography;

namespace NeTracker.Testing;

/// <summary>
/// A veth pair whose host end has an address in the host namespace (host processes own the
/// sockets of its connections: inbound at <see cref="HostEnd"/> from the peer, outbound to it)
/// and whose peer sits in a network namespace of its own:
///
///   [host] HostEnd 198.19.N.M+1/30 ── PeerEnd 198.19.N.M+2/30 [ns Netns]
///
/// N and M are random so concurrent runs rarely meet; names carry a random suffix with the
/// caller's prefix; DisposeAsync removes everything (deleting the namespace removes the pair).
/// </summary>
public sealed class VethLink : IAsyncDisposable
{
    private VethLink(string prefix, string suffix, int n, int m)
    {
        Prefix = prefix;
        Suffix = suffix;
        HostAddress = IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"198.19.{n}.{m + 1}"));
        PeerAddress = IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"198.19.{n}.{m + 2}"));
    }

    private string Prefix { get; }
    public string Suffix { get; }
    public string HostEnd => Prefix + "h" + Suffix;
    public string PeerEnd => Prefix + "p" + Suffix;
    public string Netns => Prefix + "ns" + Suffix;
    public IPAddress HostAddress { get; }
    public IPAddress PeerAddress { get; }

    /// <param name="prefix">Three or four letters naming the test kind (interface names have 15 bytes).</param>
    public static async Task<VethLink> CreateAsync(string prefix = "nto")
    {
        var link = new VethLink(prefix, TestNetwork.NewSuffix(), RandomNumberGenerator.GetInt32(1, 255), RandomNumberGenerator.GetInt32(0, 63) * 4);
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
