using System.Globalization;
using System.Net;
using NeTracker.Probe.Model;

namespace NeTracker.Web.Tests.Api;

/// <summary>A parsed CSV row back into a record; undoes the formula neutralisation of text cells.</summary>
internal static class CsvRecord
{
    public static ConnectionRecord Parse(string[] f)
    {
        var c = CultureInfo.InvariantCulture;
        static string Text(string s) => s.Length > 1 && s[0] == '\'' && s[1] is '=' or '+' or '-' or '@' or '\t' or '\r' ? s[1..] : s;
        static T Enum<T>(string s) where T : struct, System.Enum => System.Enum.Parse<T>(s, ignoreCase: true);
        int? Int(int i) => f[i].Length == 0 ? null : int.Parse(f[i], c);
        long? Long(int i) => f[i].Length == 0 ? null : long.Parse(f[i], c);
        DateTime? Time(int i) => f[i].Length == 0 ? null : DateTime.Parse(f[i], c, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        return new ConnectionRecord
        {
            Id = long.Parse(f[0], c),
            Host = Text(f[1]),
            Interface = Text(f[2]),
            IfIndex = int.Parse(f[3], c),
            Direction = Enum<Direction>(f[4]),
            Family = Enum<IpFamily>(f[5]),
            ClientAddr = IPAddress.Parse(f[6]),
            ClientPort = int.Parse(f[7], c),
            ServerAddr = IPAddress.Parse(f[8]),
            ServerPort = int.Parse(f[9], c),
            StartUtc = DateTime.Parse(f[10], c, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
            EndUtc = DateTime.Parse(f[11], c, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
            DurationNs = long.Parse(f[12], c),
            SynAckNs = f[13].Length == 0 ? null : long.Parse(f[13], c),
            AckNs = f[14].Length == 0 ? null : long.Parse(f[14], c),
            CloseReason = Enum<CloseReason>(f[15]),
            ClosedBy = f[16].Length == 0 ? ClosedBy.None : Enum<ClosedBy>(f[16]),
            BytesIn = long.Parse(f[17], c),
            BytesOut = long.Parse(f[18], c),
            PacketsIn = long.Parse(f[19], c),
            PacketsOut = long.Parse(f[20], c),
            SynRetransmits = int.Parse(f[21], c),
            Partial = bool.Parse(f[22]),
            Pid = f[23].Length == 0 ? null : int.Parse(f[23], c),
            Comm = f[24].Length == 0 ? null : Text(f[24]),
            Cgroup = f[25].Length == 0 ? null : Text(f[25]),
            Unit = f[26].Length == 0 ? null : Text(f[26]),
            OwnerSource = f[27].Length == 0 ? null : System.Enum.Parse<OwnerSource>(f[27], ignoreCase: true),
            RetransC = Int(28),
            RetransS = Int(29),
            ZeroWinC = Int(30),
            ZeroWinS = Int(31),
            ZeroWinNs = Long(32),
            RttMinNs = Long(33),
            RttAvgNs = Long(34),
            RttMaxNs = Long(35),
            RttSamples = Int(36),
            LastCUtc = Time(37),
            LastSUtc = Time(38),
            ServerName = f[39].Length == 0 ? null : Text(f[39]),
            NameSource = f[40].Length == 0 ? null : System.Enum.Parse<NameSource>(f[40], ignoreCase: true),
        };
    }
}
