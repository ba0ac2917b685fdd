namespace NeTracker.Probe.Abi;

/// <summary>
/// Marks a constant (or an enum member) as the C# side of one <c>#define NT_*</c> or enumerator
/// of bpf/netracker.h. A test compiles the header, and every name in it must have exactly one
/// field so marked, with the same value, and every marked field a name in the header: a change on
/// one side that the other lacks fails the suite.
/// </summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false)]
public sealed class MirrorsAttribute(string name) : Attribute
{
    /// <summary>The header's name, e.g. <c>NT_S_SYN</c>.</summary>
    public string Name { get; } = name;
}
