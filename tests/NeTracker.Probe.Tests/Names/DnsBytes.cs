using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace NeTracker.Probe.Tests.Names;

/// <summary>Builds DNS messages byte by byte, as a server would send them (or a hostile one).</summary>
internal sealed class DnsBytes
{
    private readonly List<byte> _b = [];

    public int Position => _b.Count;

    public static DnsBytes Response(int questions, int answers, ushort flags = 0x8180)
    {
        var d = new DnsBytes();
        d.U16(0x1234).U16(flags).U16((ushort)questions).U16((ushort)answers).U16(0).U16(0);
        return d;
    }

    public DnsBytes U16(ushort v)
    {
        _b.Add((byte)(v >> 8));
        _b.Add((byte)v);
        return this;
    }

    public DnsBytes U32(uint v) => U16((ushort)(v >> 16)).U16((ushort)v);

    public DnsBytes Raw(params byte[] bytes)
    {
        _b.AddRange(bytes);
        return this;
    }

    /// <summary>A name as labels, ending with the root (or with a pointer to <paramref name="pointer"/>).</summary>
    public DnsBytes Name(string name, int? pointer = null)
    {
        foreach (var label in name.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            _b.Add((byte)label.Length);
            _b.AddRange(Encoding.ASCII.GetBytes(label));
        }
        if (pointer is { } p)
            U16((ushort)(0xc000 | p));
        else
            _b.Add(0);
        return this;
    }

    public DnsBytes Pointer(int at) => U16((ushort)(0xc000 | at));

    public DnsBytes Question(string name) => Name(name).U16(1).U16(1);

    public DnsBytes A(string owner, string address, uint ttl = 300) => Record(owner, 1, ttl, IPAddress.Parse(address).GetAddressBytes());

    public DnsBytes Aaaa(string owner, string address, uint ttl = 300) => Record(owner, 28, ttl, IPAddress.Parse(address).GetAddressBytes());

    public DnsBytes Cname(string owner, string target, uint ttl = 300)
    {
        var t = new DnsBytes().Name(target).ToArray();
        return Record(owner, 5, ttl, t);
    }

    public DnsBytes Record(string owner, ushort type, uint ttl, byte[] rdata)
    {
        Name(owner).U16(type).U16(1).U32(ttl).U16((ushort)rdata.Length);
        _b.AddRange(rdata);
        return this;
    }

    public byte[] ToArray() => [.. _b];

    public static void Set(byte[] b, int at, ushort v) => BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(at), v);
}
