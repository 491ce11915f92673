using System.Runtime.InteropServices;
using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Forwarding;
using City.Edge.Hosting;
using City.Edge.Reload;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace City.Edge;

/// <summary>What a run of the daemon's loops gets from the process: the reloader and the version it was built from.</summary>
internal sealed record EdgeRun(EdgeReloader Reloader, RunningConfig Config);

internal static partial class Program
{
    /// <summary>
    /// Runs the loops on the configuration of the start, then on each new one the reloader hands over (central's push,
    /// SIGHUP, edgectl reload, a rollback), one run after the other in this process: the buffer, its file lock and the
    /// local API socket stay open throughout; the loops of a run stop in the usual order (the writer last, committing every
    /// reading) before the next run's start.
    /// </summary>
    private static async Task<int> RunGenerationsAsync(WebApplicationBuilder builder, EdgeSettings settings, BatchBuffer buffer, LocalApiSocket socket, TimeProvider time, string[] args)
    {
        using var processLoggers = LoggerFactory.Create(b =>
        {
            b.AddConfiguration(builder.Configuration.GetSection("Logging"));
            AddConsole(b);
        });
        var reloadLogger = processLoggers.CreateLogger("City.Edge.Reload");
        var history = new ConfigHistory(ConfigHistory.DirectoryBeside(settings.Options.Buffer.Path));
        buffer.SyncCatalogue([new PointInfo
        {
            Id = EdgeReloader.EventPointId,
            Unit = string.Empty,
            Type = PointType.Text,
            Device = "$edge",
            Description = "A configuration applied, refused or rolled back (from the files or from central)",
        }]);
        buffer.DeclareEventPoints([EdgeReloader.EventPointId]);

        var outbox = new Commands.CommandOutbox(buffer, settings.Options.GatewayId);
        var candidate = EdgeReloader.Start(history, EdgeProtocols.All, ConfigDocument.From(builder.Configuration), settings, time, reloadLogger,
            (commandId, detail) => outbox.Add(new CommandResult { Id = commandId, Status = CommandStatus.Failed, Detail = detail, TimeUnixMs = time.GetUtcNow().ToUnixTimeMilliseconds() }));
        var reloader = new EdgeReloader(history, EdgeProtocols.All, () => ReadFiles(args), time, reloadLogger, candidate);
        var hostSettings = builder.Configuration.AsEnumerable()
            .Where(kv => kv.Value is not null && !kv.Key.Equals(EdgeOptions.SectionName, StringComparison.OrdinalIgnoreCase)
                && !kv.Key.StartsWith(EdgeOptions.SectionName + ":", StringComparison.OrdinalIgnoreCase))
            .ToList();
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            var answer = reloader.ReloadFiles();
            LogHangup(reloadLogger, answer.Outcome, answer.Number, answer.Version, string.Join("; ", answer.Problems));
        });

        var first = true;
        while (true)
        {
            var runBuilder = first ? builder : NewBuilder(hostSettings, candidate.Document);
            var run = new EdgeRun(reloader, new RunningConfig(candidate.Version, candidate.Number, candidate.Source));
            WebApplication app;
            try
            {
                app = Build(runBuilder, WithAliases(candidate.Settings, buffer), buffer, time, socket, null, run);
                await app.StartAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (!first && ex is not OutOfMemoryException)
            {
                LogRunFailed(reloadLogger, ex, candidate.Number, candidate.Version);
                candidate = reloader.FailedToStart(candidate, ex) ?? throw new InvalidOperationException("the previous configuration failed to start again", ex);
                continue;
            }

            if (first)
            {
                LogFirstRun(app, processLoggers, buffer, settings, socket);
            }

            var watch = reloader.StartedAsync(app.Services, first, app.Lifetime.ApplicationStopping);
            var next = await reloader.NextAsync(app.Lifetime.ApplicationStopping).ConfigureAwait(false);
            if (next is not null)
            {
                reloader.Swapping(next, app.Services.GetRequiredService<EdgeState>());
            }

            await app.StopAsync().ConfigureAwait(false);
            await watch.ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            if (next is null)
            {
                return ExitOk;
            }

            candidate = next;
            first = false;
        }
    }

    /// <summary>The files read again as at start (SIGHUP, edgectl reload).</summary>
    private static IConfiguration ReadFiles(string[] args)
    {
        var configuration = new ConfigurationBuilder();
        EdgeConfigurationSources.Configure(configuration, args, AppContext.BaseDirectory);
        return configuration.Build();
    }

    private static WebApplicationBuilder NewBuilder(IEnumerable<KeyValuePair<string, string?>> hostSettings, ConfigDocument edge)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(hostSettings.Concat(edge.Values.Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value))));
        ConfigureLogging(builder);
        return builder;
    }

    private static void LogFirstRun(WebApplication app, ILoggerFactory processLoggers, BatchBuffer buffer, EdgeSettings settings, LocalApiSocket socket)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("City.Edge");
        buffer.UseLogger(processLoggers.CreateLogger<BatchBuffer>()); // outlives each run's loggers
        if (buffer.Recovery is { } recovery)
        {
            logger.LogCritical("The buffer was damaged and has been salvaged: {Recovery}", recovery.Describe());
        }

        if (buffer.IsDiskFull)
        {
            logger.LogCritical("The disk under the buffer {Path} is full: the edge runs without storing readings (they are counted as dropped) and does not connect to central until space returns and epoch {Epoch} is written", buffer.Path, buffer.Epoch);
        }

        LogStarting(logger, settings.Options.GatewayId, buffer.Epoch, Forwarder.SoftwareVersion, settings.Devices.Count, socket.Path, socket.Access.Describe());
        LogCentralLink(logger, settings.Options.Central);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SIGHUP: configuration reload {Outcome} (version {Number}, {Version}) {Problems}")]
    private static partial void LogHangup(ILogger logger, string outcome, int number, string version, string problems);

    [LoggerMessage(Level = LogLevel.Error, Message = "The loops of configuration version {Number} ({Version}) failed to start: putting the previous one back")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, int number, string version);
}
