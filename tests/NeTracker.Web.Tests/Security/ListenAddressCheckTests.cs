using NeTracker.Web.Security;

namespace NeTracker.Web.Tests.Security;

public sealed class ListenAddressCheckTests
{
    [Theory]
    [InlineData("http://0.0.0.0:5080", true)]
    [InlineData("http://[::]:5080", true)]
    [InlineData("http://*:5080", true)]
    [InlineData("http://+:5080", true)]
    [InlineData("http://192.0.2.10:5080", true)]
    [InlineData("http://dashboard.example:5080", true)]
    [InlineData("http://127.0.0.1:5080", false)]
    [InlineData("http://127.0.0.2:5080", false)]
    [InlineData("http://[::1]:5080", false)]
    [InlineData("http://localhost:5080", false)]
    [InlineData("https://0.0.0.0:5443", false)]
    public void Warns_for_clear_text_listeners_other_hosts_can_reach(string address, bool exposed)
    {
        Assert.Equal(exposed, ListenAddressCheck.IsExposedInClear(address));
    }
}
