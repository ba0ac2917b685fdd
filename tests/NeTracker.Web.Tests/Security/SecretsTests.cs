using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NeTracker.Web.Health;
using NeTracker.Web.Security;

namespace NeTracker.Web.Tests.Security;

/// <summary>The Redis configuration string's password never reaches a log line or the Health page.</summary>
public sealed class SecretsTests
{
    private const string Password = "hunter2-redis-secret";

    [Theory]
    [InlineData("redis:6379,password=" + Password, "redis:6379,password=***")]
    [InlineData("a:1,b:2,ssl=true,Password =" + Password + ",user=u", "a:1,b:2,ssl=true,Password =***,user=u")]
    [InlineData("redis://u:" + Password + "@redis:6379", "redis://u:***@redis:6379")]
    [InlineData("redis:6379", "redis:6379")]
    public void The_password_of_a_redis_configuration_is_redacted(string configuration, string shown) =>
        Assert.Equal(shown, SecretRedaction.Redis(configuration));

    [Fact]
    public async Task A_redis_backplane_with_a_password_shows_and_logs_it_redacted()
    {
        var ct = TestContext.Current.CancellationToken;
        var logs = new ConcurrentQueue<string>();
        await using var app = new LoggedApp(logs)
        {
            Settings =
            {
                ["NeTracker:Live:Backplane"] = "redis",
                // Nothing listens on port 1: the monitor goes on trying, and says where.
                ["NeTracker:Live:Redis"] = "127.0.0.1:1,password=" + Password,
            },
        };
        using var client = app.CreateAuthenticatedClient();
        var redis = app.Services.GetServices<IHealthReporter>().Single(r => r.Title.Contains("Redis", StringComparison.Ordinal));
        await Task.Delay(2000, ct); // the monitor's first attempt and its log lines
        var items = await redis.ReportAsync(ct);
        using var healthz = await client.GetAsync("/healthz", ct);
        var everything = string.Join("\n", items.Select(i => $"{i.Name} {i.Value} {i.Detail}")) + "\n" + string.Join("\n", logs)
            + "\n" + await healthz.Content.ReadAsStringAsync(ct);
        Assert.Contains("127.0.0.1:1", everything, StringComparison.Ordinal);
        Assert.Contains("password=***", everything, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, everything, StringComparison.Ordinal);
    }

    private sealed class LoggedApp(ConcurrentQueue<string> logs) : NeTrackerAppFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(l => l.AddProvider(new QueueLogger(logs)));
        }
    }

    private sealed class QueueLogger(ConcurrentQueue<string> logs) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs.Enqueue(formatter(state, exception) + " " + exception);
        public void Dispose() { }
    }
}
