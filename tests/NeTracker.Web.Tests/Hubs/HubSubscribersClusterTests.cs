using NeTracker.Web.Hubs;

namespace NeTracker.Web.Tests.Hubs;

/// <summary>With the Redis backplane, groups with members on other replicas count as subscribed, and sends go to the group.</summary>
public sealed class HubSubscribersClusterTests
{
    [Fact]
    public void Groups_with_members_on_any_replica_are_subscribed_and_sends_go_through_the_group()
    {
        var subscribers = new HubSubscribers();
        subscribers.Add("local-1", ConnectionsHub.AllGroup);
        Assert.False(subscribers.Clustered);
        Assert.Equal(["local-1"], subscribers.Members(ConnectionsHub.AllGroup));

        // Another replica has a subscriber to eth0 only; this replica has none there.
        subscribers.SetClusterGroups(new HashSet<string> { ConnectionsHub.AllGroup, ConnectionsHub.InterfaceGroup("eth0") });

        Assert.True(subscribers.Has(ConnectionsHub.InterfaceGroup("eth0")));
        Assert.Equal([ConnectionsHub.AllGroup, ConnectionsHub.InterfaceGroup("eth0")], subscribers.Groups().Order());
        Assert.True(subscribers.Clustered);

        // Nobody anywhere: nothing to serialise on this replica either.
        subscribers.RemoveConnection("local-1");
        subscribers.SetClusterGroups(new HashSet<string>());
        Assert.False(subscribers.Any);
        Assert.Empty(subscribers.Groups());
    }
}
