using System.Runtime.CompilerServices;

namespace NeTracker.Testing;

/// <summary>Whether this process may do what the kernel tests do (load BPF programs, make namespaces, run tc).</summary>
public static class Privileges
{
    /// <summary>Kernel tests need root: CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN (bpffs, tracefs, netns) all at once.</summary>
    public static bool IsRoot => Environment.IsPrivilegedProcess;

    public const string SkipReason =
        "needs root (BPF programs, tc, network namespaces): run `sudo ./netracker.sh test`. " +
        "As root, a skipped kernel test fails the run (netracker.sh).";

    /// <summary>Makes the test skip, with <see cref="SkipReason"/>, unless <see cref="IsRoot"/>.</summary>
    internal static void RequireRoot(FactAttribute test)
    {
        test.Skip = SkipReason;
        test.SkipType = typeof(Privileges);
        test.SkipUnless = nameof(IsRoot);
    }
}

/// <summary>A <see cref="FactAttribute"/> that skips, saying why, when the process is not root.</summary>
public sealed class KernelFactAttribute : FactAttribute
{
    public KernelFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber) => Privileges.RequireRoot(this);
}

/// <summary>A <see cref="TheoryAttribute"/> that skips, saying why, when the process is not root.</summary>
public sealed class KernelTheoryAttribute : TheoryAttribute
{
    public KernelTheoryAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber) => Privileges.RequireRoot(this);
}
