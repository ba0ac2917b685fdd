using System.Net;
using NeTracker.Probe.Agent;
using NeTracker.Probe.Model;

namespace NeTracker.Probe.Tests.Agent;

public sealed class AgentBufferTests
{
    private static ConnectionRecord R(int port) => Records.Make(0, clientPort: port);

    [Fact]
    public void Records_stay_until_acknowledged()
    {
        var buffer = new AgentBuffer(10);
        for (var i = 1; i <= 4; i++)
            buffer.Add(R(i));

        var (first, batch) = buffer.Peek(3);
        Assert.Equal(1, first);
        Assert.Equal([1, 2, 3], batch.Select(r => r.ClientPort));
        Assert.Equal(4, buffer.Count);

        buffer.Acknowledge(3);
        var (next, rest) = buffer.Peek(3);
        Assert.Equal(4, next);
        Assert.Equal([4], rest.Select(r => r.ClientPort));
    }

    [Fact]
    public void Full_buffer_drops_the_oldest_and_counts_them()
    {
        var buffer = new AgentBuffer(3);
        for (var i = 1; i <= 5; i++)
            buffer.Add(R(i));

        var (first, batch) = buffer.Peek(10);
        Assert.Equal(2, buffer.Overflowed);
        Assert.Equal(3, first);
        Assert.Equal([3, 4, 5], batch.Select(r => r.ClientPort));
    }
}
