using NeTracker.Probe.Tc;

namespace NeTracker.Probe.Tests;

public sealed class SharedDirectoryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("nt-shared-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Shared => Path.Combine(_root, "netracker");

    [Fact]
    public void Entries_created_and_removed_side_by_side_never_fail_on_the_shared_directory()
    {
        // Two agents starting together on a clean host once failed here: one removed the empty
        // shared directory while the other was creating its pin directory in it.
        Parallel.For(0, 6, new ParallelOptions { MaxDegreeOfParallelism = 6 }, i =>
        {
            var mine = Path.Combine(Shared, $"i{i}");
            for (var round = 0; round < 300; round++)
            {
                SharedDirectory.CreateIn(Shared, () => Directory.CreateDirectory(mine));
                Assert.True(Directory.Exists(mine));
                Directory.Delete(mine);
                SharedDirectory.RemoveIfEmpty(Shared);
            }
        });
        Assert.False(Directory.Exists(Shared));
    }

    [Fact]
    public void Clsact_notes_of_several_processes_share_the_directory_without_failing()
    {
        Parallel.For(0, 6, new ParallelOptions { MaxDegreeOfParallelism = 6 }, i =>
        {
            var state = new ClsactState(Shared);
            for (var round = 0; round < 300; round++)
            {
                state.RememberCreated($"veth{i}", 100 + i);
                Assert.True(state.WeCreated($"veth{i}", 100 + i));
                state.Forget($"veth{i}");
                Assert.False(state.WeCreated($"veth{i}", 100 + i));
            }
        });
        Assert.False(Directory.Exists(Shared));
    }

    [Fact]
    public void The_directory_stays_while_it_holds_another_entry()
    {
        SharedDirectory.CreateIn(Shared, () => Directory.CreateDirectory(Path.Combine(Shared, "a")));
        SharedDirectory.RemoveIfEmpty(Shared);
        Assert.True(Directory.Exists(Path.Combine(Shared, "a")));
        Directory.Delete(Path.Combine(Shared, "a"));
        SharedDirectory.RemoveIfEmpty(Shared);
        Assert.False(Directory.Exists(Shared));
        SharedDirectory.RemoveIfEmpty(Shared); // already gone: nothing to do
    }
}
