using System.Globalization;
using NeTracker.Probe.Model;

namespace NeTracker.Probe.Export;

/// <summary>
/// RFC 4180 CSV of <see cref="ConnectionRecord"/>: header row, the schema columns in order,
/// invariant culture, CRLF line ends. Cells a spreadsheet would run as a formula are
/// neutralised with a leading apostrophe (OWASP "CSV injection").
/// </summary>
public static class ConnectionCsv
{
    public static string Header { get; } = string.Join(',', SchemaNames.Columns);

    public static void WriteHeader(TextWriter w)
    {
        w.Write(Header);
        w.Write("\r\n");
    }

    public static void WriteRow(TextWriter w, ConnectionRecord r)
    {
        var c = CultureInfo.InvariantCulture;
        w.Write(r.Id.ToString(c)); w.Write(',');
        WriteText(w, r.Host); w.Write(',');
        WriteText(w, r.Interface); w.Write(',');
        w.Write(r.IfIndex.ToString(c)); w.Write(',');
        w.Write(SchemaNames.Of(r.Direction)); w.Write(',');
        w.Write(SchemaNames.Of(r.Family)); w.Write(',');
        w.Write(r.ClientAddr.ToString()); w.Write(',');
        w.Write(r.ClientPort.ToString(c)); w.Write(',');
        w.Write(r.ServerAddr.ToString()); w.Write(',');
        w.Write(r.ServerPort.ToString(c)); w.Write(',');
        w.Write(SchemaNames.Of(r.StartUtc)); w.Write(',');
        w.Write(SchemaNames.Of(r.EndUtc)); w.Write(',');
        w.Write(r.DurationNs.ToString(c)); w.Write(',');
        if (r.SynAckNs is { } s) w.Write(s.ToString(c));
        w.Write(',');
        if (r.AckNs is { } a) w.Write(a.ToString(c));
        w.Write(',');
        w.Write(SchemaNames.Of(r.CloseReason)); w.Write(',');
        w.Write(SchemaNames.Of(r.ClosedBy)); w.Write(',');
        w.Write(r.BytesIn.ToString(c)); w.Write(',');
        w.Write(r.BytesOut.ToString(c)); w.Write(',');
        w.Write(r.PacketsIn.ToString(c)); w.Write(',');
        w.Write(r.PacketsOut.ToString(c)); w.Write(',');
        w.Write(r.SynRetransmits.ToString(c)); w.Write(',');
        w.Write(r.Partial ? "true" : "false"); w.Write(',');
        if (r.Pid is { } pid) w.Write(pid.ToString(c));
        w.Write(',');
        WriteText(w, r.Comm ?? ""); w.Write(',');
        WriteText(w, r.Cgroup ?? ""); w.Write(',');
        WriteText(w, r.Unit ?? ""); w.Write(',');
        w.Write(SchemaNames.Of(r.OwnerSource)); w.Write(',');
        WriteOptional(w, r.RetransC); w.Write(',');
        WriteOptional(w, r.RetransS); w.Write(',');
        WriteOptional(w, r.ZeroWinC); w.Write(',');
        WriteOptional(w, r.ZeroWinS); w.Write(',');
        WriteOptional(w, r.ZeroWinNs); w.Write(',');
        WriteOptional(w, r.RttMinNs); w.Write(',');
        WriteOptional(w, r.RttAvgNs); w.Write(',');
        WriteOptional(w, r.RttMaxNs); w.Write(',');
        WriteOptional(w, r.RttSamples); w.Write(',');
        if (r.LastCUtc is { } lc) w.Write(SchemaNames.Of(lc));
        w.Write(',');
        if (r.LastSUtc is { } ls) w.Write(SchemaNames.Of(ls));
        w.Write(',');
        WriteText(w, r.ServerName ?? ""); w.Write(',');
        w.Write(SchemaNames.Of(r.NameSource));
        w.Write("\r\n");
    }

    /// <summary>Quotes when needed (comma, quote, CR/LF) and defuses formula prefixes.</summary>
    private static void WriteOptional(TextWriter w, long? value)
    {
        if (value is { } v)
            w.Write(v.ToString(CultureInfo.InvariantCulture));
    }

    internal static void WriteText(TextWriter w, string value)
    {
        bool formula = value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r';
        bool quote = formula || value.AsSpan().IndexOfAny(",\"\r\n") >= 0;
        if (!quote)
        {
            w.Write(value);
            return;
        }
        w.Write('"');
        if (formula) w.Write('\'');
        w.Write(value.Replace("\"", "\"\"", StringComparison.Ordinal));
        w.Write('"');
    }
}
