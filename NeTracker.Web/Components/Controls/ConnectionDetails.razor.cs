using System.Globalization;
using Microsoft.AspNetCore.Components;
using NeTracker.Probe.Model;

namespace NeTracker.Web.Components.Controls;

/// <summary>
/// One connection's phases as measured at the hook: handshake (SYN→SYN-ACK, SYN-ACK→ACK),
/// data (after the handshake until the close) and the teardown (who closed, how).
/// </summary>
public partial class ConnectionDetails
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Where the server name came from, in words (docs/names.md).</summary>
    internal static string NameSourceText(NameSource? source) => source switch
    {
        NameSource.Sni => "from the TLS ClientHello (SNI) of this connection",
        NameSource.Dns => "from the DNS answer the client got for this address",
        NameSource.Rdns => "from a reverse DNS lookup of the address",
        NameSource.Http => "from the Host header of the first HTTP request",
        _ => "",
    };

    [Parameter, EditorRequired] public required ConnectionRecord Record { get; set; }

    [Parameter] public EventCallback CloseRequested { get; set; }

    internal sealed record Phase(string Key, string Name, long Ns, string Detail)
    {
        // Every phase stays visible in the bar, however short next to the others.
        public string Weight => Math.Max(Ns, 1).ToString(CultureInfo.InvariantCulture);
    }

    internal IReadOnlyList<Phase> Phases
    {
        get
        {
            var r = Record;
            var list = new List<Phase>();
            long handshake = 0;
            if (r.SynAckNs is { } synAck)
            {
                list.Add(new("synack", "SYN → SYN-ACK", synAck, r.SynRetransmits > 0 ? $"{r.SynRetransmits} SYN retransmit(s)" : "server answered"));
                handshake += synAck;
            }
            if (r.AckNs is { } ack)
            {
                list.Add(new("ack", "SYN-ACK → ACK", ack, "client confirmed"));
                handshake += ack;
            }
            var data = Math.Max(0, r.DurationNs - handshake);
            var teardown = r.CloseReason switch
            {
                CloseReason.Fin => "until both FINs",
                CloseReason.Rst => "until the RST",
                CloseReason.Refused => "refused (RST answered the SYN)",
                CloseReason.Unanswered => "SYN never answered",
                CloseReason.Timeout => "idle until swept",
                CloseReason.Evicted => "evicted from the table",
                _ => "until NeTracker detached",
            };
            list.Add(new("data", r.SynAckNs is null && r.AckNs is null ? "Lifetime" : "Established", data, teardown));
            return list;
        }
    }
}
