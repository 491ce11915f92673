using System.Collections.Concurrent;
using System.Net;
using City.Central.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace City.Central.Tests;

/// <summary>Refused API requests are counted always, logged at a limited rate, and never with the token.</summary>
public sealed class ApiRefusalLogTests
{
    [Fact]
    public void One_line_per_kind_every_10_s_with_the_number_suppressed_and_every_refusal_counted()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-05T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        using var capture = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(capture));
        var refusals = new ApiRefusals(factory.CreateLogger<ApiRefusals>(), time);

        for (var i = 0; i < 5; i++)
        {
            refusals.RefusedUnauthenticated("no token", "192.0.2.7", "GET /api/v1/stats");
        }

        refusals.RefusedForbidden("alice", "viewer", "admin", "192.0.2.7", "POST /api/v1/gateways/gw-1/reset");
        time.Advance(TimeSpan.FromSeconds(10));
        refusals.RefusedUnauthenticated("unknown or revoked token", "192.0.2.8", "GET /api/v1/gateways");

        Assert.Equal(6, refusals.Counts()[ApiRefusals.Unauthenticated]);
        Assert.Equal(1, refusals.Counts()[ApiRefusals.Forbidden]);
        var lines = capture.Lines.ToList();
        Assert.Equal(3, lines.Count);
        Assert.Contains("(0 similar suppressed", lines[0], StringComparison.Ordinal);
        Assert.Contains("token 'alice' has role viewer, this needs admin", lines[1], StringComparison.Ordinal);
        Assert.Contains("unknown or revoked token (4 similar suppressed", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_request_is_logged_without_its_token()
    {
        await using var central = await CentralHost.StartAsync();
        using var capture = new CapturingLoggerProvider();
        central.App.Services.GetRequiredService<ILoggerFactory>().AddProvider(capture);
        var unknown = "cityapi_" + new string('Q', 43);
        var viewer = central.CreateToken("log-viewer", ApiRole.Viewer);

        using (var client = central.NewClient(unknown))
        using (var response = await client.GetAsync(new Uri("/api/v1/gateways", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var client = central.NewClient(viewer))
        using (var response = await client.PostAsync(new Uri("/api/v1/gateways/gw-1/reset", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        var lines = capture.Lines.ToList();
        Assert.Contains(lines, l => l.Contains("refused (401): GET /api/v1/gateways from 127.0.0.1: unknown or revoked token", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("refused (403): POST /api/v1/gateways/gw-1/reset from 127.0.0.1: token 'log-viewer' has role viewer", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(unknown[8..20], StringComparison.Ordinal) || l.Contains(viewer[8..20], StringComparison.Ordinal));
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider provider) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                provider.Lines.Enqueue(formatter(state, exception) + (exception is null ? string.Empty : " " + exception));
        }
    }
}
