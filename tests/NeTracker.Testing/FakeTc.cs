namespace NeTracker.Testing;

/// <summary>
/// A stand-in `tc`: a shell script in a temp directory that logs its arguments (one call per
/// line) and answers `qdisc show` / `filter show` from files the test writes; with a file
/// "stderr" present it prints that and exits 2. Also a fake /sys/class/net. Stands in for
/// `ip`, `bpftool` and `mount` too where a test only needs to know that no tool ran.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FakeTc : IDisposable
{
    public FakeTc()
    {
        Dir = Directory.CreateTempSubdirectory("nt-faketc-").FullName;
        Path = System.IO.Path.Combine(Dir, "tc");
        File.WriteAllText(Path, $$"""
            #!/bin/sh
            d='{{Dir}}'
            printf '%s\n' "$*" >> "$d/calls"
            if [ -f "$d/stderr" ]; then cat "$d/stderr" >&2; exit 2; fi
            case "$*" in
              *"qdisc show"*) cat "$d/qdisc.json" 2>/dev/null || echo '[]' ;;
              *"filter show"*ingress) cat "$d/ingress.json" 2>/dev/null || echo '[]' ;;
              *"filter show"*egress) cat "$d/egress.json" 2>/dev/null || echo '[]' ;;
              "qdisc add"*) echo '[{"kind":"clsact"}]' > "$d/qdisc.json" ;;
              "filter del"*" ingress "*) rm -f "$d/ingress.json" ;;
              "filter del"*" egress "*) rm -f "$d/egress.json" ;;
            esac
            exit 0
            """.Replace("\r", ""));
        File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        SysClassNet = System.IO.Path.Combine(Dir, "net");
        AddInterface("eth9", 7);
    }

    public string Dir { get; }
    public string Path { get; }
    public string SysClassNet { get; }
    public string StateDir => System.IO.Path.Combine(Dir, "state");

    public IReadOnlyList<string> Calls
        => File.Exists(System.IO.Path.Combine(Dir, "calls")) ? File.ReadAllLines(System.IO.Path.Combine(Dir, "calls")) : [];

    public void AddInterface(string name, int ifindex)
    {
        Directory.CreateDirectory(System.IO.Path.Combine(SysClassNet, name));
        File.WriteAllText(System.IO.Path.Combine(SysClassNet, name, "ifindex"), ifindex + "\n");
    }

    public void Answer(string file, string content) => File.WriteAllText(System.IO.Path.Combine(Dir, file), content);

    public void Fail(string stderr) => Answer("stderr", stderr);

    /// <summary>A scratch directory for state the probe would keep under /run or /sys.</summary>
    public string Scratch(string name) => Directory.CreateDirectory(System.IO.Path.Combine(Dir, name)).FullName;

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
