using System.Buffers.Binary;
using System.Net;
using DuckDB.NET.Data;

namespace NeTracker.Web.History.DuckDb;

/// <summary>
/// The text of history.duckdb's repeated columns (host, interface, comm, cgroup, unit, server_name)
/// as integer ids into the table <c>strings</c> (schema v6): a row stores integers only, so
/// DuckDB's per-row string work on insert (hashing, statistics, dictionary analysis) is gone. The
/// writer holds the whole table in memory (loaded at open), adds what a commit first uses and
/// writes those lines in the same transaction as the rows; readers map ids back through the same
/// instance. Ids of a failed commit are never seen by a reader (its rows were never committed), and
/// the writer reloads the table when it reopens after a failure.
/// </summary>
/// <remarks>
/// Host, interface, comm, cgroup and unit are few per machine. Server names can be many: past
/// <see cref="MaxServerNames"/> of them a new name is stored as text in the row (the column
/// <c>server_name</c>) instead, which keeps this dictionary's memory bounded. The other texts come
/// from outside too (an agent's records, a process's name, a container's cgroup): past
/// HistoryOptions.MaxTexts of them a new one is stored as <see cref="Folded"/> and counted, so a
/// sender of endless distinct names costs a bounded dictionary, not the dashboard's memory.
/// Texts no row uses any more (retention removed their rows: a container's cgroup, a process long
/// gone) are pruned (<see cref="Prune"/>), so the bound counts what history holds, not every text
/// ever seen. A pruned id's text stays readable until every reader that may still see its rows
/// has finished (<see cref="ReaderEpochs"/>); only then is the id reused.
/// </remarks>
internal sealed class DuckDbStrings
{
    /// <summary>Address texts nt_addr keeps per connection.</summary>
    private const int MaxAddressTexts = 4096;

    /// <summary>Distinct server names the dictionary takes (~100 bytes each in memory).</summary>
    public const int MaxServerNames = 100_000;

    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<(int Id, string Text)> _added = [];
    // Readers index this without a lock: a slot is written before any row that uses its id commits.
    private volatile Slot?[] _texts = new Slot?[256];
    private int _next = 1, _serverNames, _otherTexts;
    // Pruned ids no reader can see any more, free for reuse; and pruned ids still waiting for readers.
    private readonly Stack<int> _free = new();
    private readonly List<(long Epoch, int[] Ids)> _pending = [];
    private readonly int _maxTexts;
    private readonly Action _onFold;
    // The last text and id per column (DuckDbRows.Append's slots): a host's or an interface's records
    // usually share one string instance, which then costs a reference comparison instead of a hash.
    private readonly string?[] _lastText = new string?[8];
    private readonly int[] _lastId = new int[8];

    /// <summary>What a text past the bound is stored as (and read back as).</summary>
    public const string Folded = "(past NeTracker:History:MaxTexts)";

    /// <summary>The readers of this instance's ids (HistoryStore.OpenReader enters and exits).</summary>
    public ReaderEpochs Readers { get; } = new();

    /// <summary>Texts (other than server names) the dictionary holds now.</summary>
    public int Texts => _otherTexts;

    /// <summary>Server names the dictionary holds now.</summary>
    public int ServerNames => _serverNames;

    /// <summary>Pruned ids not yet reusable: a reader that may still see their rows is open.</summary>
    public int PendingIds => _pending.Sum(p => p.Ids.Length);

    /// <summary>Half full or more, on either bound: worth the scan a prune costs.</summary>
    public bool Crowded => _otherTexts >= _maxTexts / 2 || _serverNames >= MaxServerNames / 2;

    private DuckDbStrings(int maxTexts, Action onFold)
    {
        _maxTexts = maxTexts;
        _onFold = onFold;
    }

    /// <summary>Every line of <c>strings</c>; past <paramref name="maxTexts"/> texts other than server names,
    /// a new one is stored as <see cref="Folded"/> and <paramref name="onFold"/> called.</summary>
    public static DuckDbStrings Load(DuckDBConnection db, int maxTexts, Action onFold)
    {
        var s = new DuckDbStrings(maxTexts, onFold);
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT id, text, server_name FROM strings ORDER BY id";
        using var r = cmd.ExecuteReader();
        while (r.Read())
            s.Put(r.GetInt32(0), r.GetString(1), r.GetBoolean(2));
        // Gaps (ids an earlier instance pruned) are not reused: a reader that took that instance just
        // before this one replaced it may still map ids through it, and reads an unknown id as an error,
        // where a reused one would read as the wrong text.
        return s;
    }

    /// <summary>The id of <paramref name="text"/>, added (to be written by <see cref="WriteAdded"/>) when new;
    /// <paramref name="slot"/> is the column's (0-7). Writer only.</summary>
    public int? Id(string? text, int slot)
    {
        if (text is null)
            return null;
        if (ReferenceEquals(text, _lastText[slot]))
            return _lastId[slot];
        if (!_ids.TryGetValue(text, out var id))
        {
            if (_otherTexts >= _maxTexts && text != Folded)
            {
                // Not kept as the slot's last text: each record that brings it is counted.
                _onFold();
                return Id(Folded, slot);
            }
            id = NextId();
            Put(id, text, serverName: false);
            _added.Add((id, text));
        }
        _lastText[slot] = text;
        _lastId[slot] = id;
        return id;
    }

    /// <summary>The server name's id; null (stored as text) for a name past <see cref="MaxServerNames"/>. Writer only.</summary>
    public int? ServerNameId(string? text)
    {
        if (text is null)
            return null;
        if (_ids.TryGetValue(text, out var id))
            return id;
        if (_serverNames >= MaxServerNames)
            return null;
        id = NextId();
        Put(id, text, serverName: true);
        _added.Add((-id, text));
        return id;
    }

    private int NextId() => _free.Count > 0 ? _free.Pop() : _next;

    /// <summary>
    /// Deletes the lines of <c>strings</c> no row of <paramref name="table"/> uses, and forgets them for
    /// writing: a text that comes back gets an id anew. Writer only, between commits (nothing added
    /// unwritten); the rows' deletes (retention) must be committed before. Returns the texts pruned.
    /// </summary>
    public int Prune(DuckDBConnection db, string table)
    {
        if (_added.Count != 0)
            throw new InvalidOperationException("strings: a prune between an add and its write");
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"""
            DELETE FROM strings WHERE id NOT IN (
                SELECT host_id FROM {table} UNION SELECT interface_id FROM {table}
                UNION SELECT comm_id FROM {table} WHERE comm_id IS NOT NULL
                UNION SELECT cgroup_id FROM {table} WHERE cgroup_id IS NOT NULL
                UNION SELECT unit_id FROM {table} WHERE unit_id IS NOT NULL
                UNION SELECT server_name_id FROM {table} WHERE server_name_id IS NOT NULL)
            RETURNING id, server_name
            """;
        var pruned = new List<int>();
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                var id = r.GetInt32(0);
                pruned.Add(id);
                if (_texts[id] is { } slot)
                {
                    // Still readable (a reader may hold its rows), no longer matched by a filter: a reader
                    // entered after this cannot see its rows, and the id may mean another text by its next query.
                    slot.Pruned = true;
                    if (_ids.TryGetValue(slot.Text, out var known) && known == id)
                        _ids.Remove(slot.Text);
                }
                if (r.GetBoolean(1))
                    _serverNames--;
                else
                    _otherTexts--;
            }
        }
        if (pruned.Count == 0)
            return 0;
        // A slot's last text may be one just pruned: its id must not be written again.
        Array.Clear(_lastText);
        _pending.Add((Readers.Advance(), [.. pruned]));
        return pruned.Count;
    }

    /// <summary>Makes the pruned ids no open reader can see reusable, and their texts unreadable. Writer only.</summary>
    public void Reclaim()
    {
        for (var i = _pending.Count - 1; i >= 0; i--)
        {
            var (epoch, ids) = _pending[i];
            if (Readers.AnyBefore(epoch))
                continue;
            var texts = _texts;
            foreach (var id in ids)
            {
                texts[id] = null;
                _free.Push(id);
            }
            _pending.RemoveAt(i);
        }
    }

    /// <summary>Writes the lines added since the last call, in the caller's transaction. Writer only.</summary>
    public void WriteAdded(DuckDBConnection db)
    {
        if (_added.Count == 0)
            return;
        using (var appender = db.CreateAppender("strings"))
        {
            foreach (var (id, text) in _added)
                appender.CreateRow().AppendValue(Math.Abs(id)).AppendValue(text).AppendValue(id < 0).EndRow();
        }
        _added.Clear();
    }

    /// <summary>The ids whose text <paramref name="match"/> takes, in id order: a scan of the dictionary (a filter's
    /// condition over the few texts instead of over every row). Safe beside the writer.</summary>
    public IReadOnlyList<int> Matching(Func<string, bool> match)
    {
        var texts = _texts;
        var ids = new List<int>();
        for (var id = 1; id < texts.Length; id++)
        {
            if (texts[id] is { Pruned: false } slot && match(slot.Text))
                ids.Add(id);
        }
        return ids;
    }

    /// <summary>The text of an id read from a committed row.</summary>
    public string Text(int id) => _texts[id]?.Text ?? throw new InvalidDataException($"history.duckdb: no text for id {id} in strings");

    public string? Text(DuckDBDataReader x, int column) => x.IsDBNull(column) ? null : Text(x.GetInt32(column));

    private void Put(int id, string text, bool serverName)
    {
        var texts = _texts;
        if (id >= texts.Length)
        {
            var grown = new Slot?[Math.Max(id + 1, texts.Length * 2)];
            texts.CopyTo(grown, 0);
            texts = grown;
        }
        texts[id] = new Slot(text);
        _texts = texts;
        _ids.TryAdd(text, id);
        _next = Math.Max(_next, id + 1);
        if (serverName)
            _serverNames++;
        else
            _otherTexts++;
    }

    /// <summary>A text and whether a prune took it (kept readable until its readers are gone).</summary>
    private sealed class Slot(string text)
    {
        public string Text { get; } = text;

        public volatile bool Pruned;
    }

    /// <summary>
    /// Registers on <paramref name="db"/> the functions SQL needs to show stored values as text:
    /// <c>nt_text(id)</c> and <c>nt_addr(hi, lo)</c> (exactly <see cref="IPAddress.ToString"/>).
    /// </summary>
    public void Register(DuckDBConnection db)
    {
#pragma warning disable DuckDBNET001 // scalar functions are marked experimental in DuckDB.NET
        // NULL in, NULL out (comm of a row without an owner): DuckDB.NET hands NULL rows to the function too.
        var nulls = new ScalarFunctionOptions { HandlesNulls = true };
        db.RegisterScalarFunction<int, string>("nt_text", (readers, writer, rows) =>
        {
            for (ulong i = 0; i < rows; i++)
            {
                if (readers[0].IsValid(i))
                    writer.WriteValue(Text(readers[0].GetValue<int>(i)), i);
                else
                    writer.WriteNull(i);
            }
        }, nulls);
        // Per connection (DuckDB may call it from several threads: HistoryOptions.Threads): an export
        // repeats few addresses many times, and each text made anew would be garbage per row (the
        // export's memory, and its CPU).
        var texts = new System.Collections.Concurrent.ConcurrentDictionary<(long?, long), string>();
        db.RegisterScalarFunction<long, long, string>("nt_addr", (readers, writer, rows) =>
        {
            for (ulong i = 0; i < rows; i++)
            {
                // A NULL high half is an IPv4 address (Halves).
                if (readers[1].IsValid(i))
                {
                    var key = (readers[0].IsValid(i) ? readers[0].GetValue<long>(i) : (long?)null, readers[1].GetValue<long>(i));
                    if (!texts.TryGetValue(key, out var text))
                    {
                        if (texts.Count >= MaxAddressTexts)
                            texts.Clear();
                        texts[key] = text = Address(key.Item1, key.Item2).ToString();
                    }
                    writer.WriteValue(text, i);
                }
                else
                    writer.WriteNull(i);
            }
        }, nulls);
#pragma warning restore DuckDBNET001
    }

    /// <summary>The migration's functions (v5 to v6): an address's text to its two halves.</summary>
    public static void RegisterParse(DuckDBConnection db)
    {
#pragma warning disable DuckDBNET001
        var nulls = new ScalarFunctionOptions { HandlesNulls = true };
        db.RegisterScalarFunction<string, long>("nt_addr_hi", (readers, writer, rows) => Parse(readers[0], writer, rows, hi: true), nulls);
        db.RegisterScalarFunction<string, long>("nt_addr_lo", (readers, writer, rows) => Parse(readers[0], writer, rows, hi: false), nulls);
#pragma warning restore DuckDBNET001
    }


    private static void Parse(DuckDB.NET.Data.DataChunk.Reader.IDuckDBDataReader text, DuckDB.NET.Data.DataChunk.Writer.IDuckDBDataWriter writer, ulong rows, bool hi)
    {
        for (ulong i = 0; i < rows; i++)
        {
            var (h, l) = text.IsValid(i) ? Halves(IPAddress.Parse(text.GetValue<string>(i))) : (null, 0);
            if (!text.IsValid(i) || (hi && h is null))
                writer.WriteNull(i);
            else
                writer.WriteValue(hi ? h!.Value : l, i);
        }
    }

    /// <summary>
    /// An address as two integers: IPv6 its 16 bytes big-endian (hi the first 8), IPv4 (NULL, the 4
    /// bytes). Each address says its own family (a row's <c>family</c> need not be both endpoints':
    /// rows imported from the SQLite history), and a NULL is left out of a row group's bitpacking, so
    /// hosts of both families still store the high halves in a few bits. A scope id is not kept: the
    /// probe never reports one.
    /// </summary>
    public static (long? Hi, long Lo) Halves(IPAddress a)
    {
        Span<byte> b = stackalloc byte[16];
        a.TryWriteBytes(b, out var n);
        return n == 4
            ? (null, BinaryPrimitives.ReadUInt32BigEndian(b))
            : (BinaryPrimitives.ReadInt64BigEndian(b), BinaryPrimitives.ReadInt64BigEndian(b[8..]));
    }

    /// <summary>The address <see cref="Halves"/> stored.</summary>
    public static IPAddress Address(long? hi, long lo)
    {
        if (hi is null)
            return new IPAddress(BinaryPrimitives.ReverseEndianness((uint)lo));
        Span<byte> b = stackalloc byte[16];
        BinaryPrimitives.WriteInt64BigEndian(b, hi.Value);
        BinaryPrimitives.WriteInt64BigEndian(b[8..], lo);
        return new IPAddress(b);
    }
}
