using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Commands;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Forwarding;
using City.Edge.Hosting;
using City.Edge.Lighting;
using City.Edge.LocalApi;
using City.Edge.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace City.Edge;

internal static partial class Program
{
    public const int ExitOk = 0;
    public const int ExitFailure = 1;
    public const int ExitConfigInvalid = 2;
    public const int ExitInstanceLocked = 3;
    public const int ExitUnsafeSocketDirectory = 4;

    public static async Task<int> Main(string[] args)
    {
        if (CommandLine.Check(args, AppContext.BaseDirectory, Console.Out, Console.Error) is { } exitCode)
        {
            return exitCode;
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });

        EdgeSettings settings;
        try
        {
            builder.Configuration.Sources.Clear();
            EdgeConfigurationSources.Configure(builder.Configuration, args, AppContext.BaseDirectory);
            if (!EdgeConfigLoader.TryLoad(builder.Configuration, EdgeProtocols.All, out settings, out var errors))
            {
                await Console.Error.WriteLineAsync("edge: invalid configuration:").ConfigureAwait(false);
                foreach (var error in errors)
                {
                    await Console.Error.WriteLineAsync("  " + error).ConfigureAwait(false);
                }

                return ExitConfigInvalid;
            }

            // Not in the loader: whether a group exists is a question for the system, asked here with the socket's other checks.
            if (LocalApiSocketAccess.CheckConfigured(settings.Options.LocalApi.Group) is { } groupError)
            {
                await Console.Error.WriteLineAsync("edge: invalid configuration:").ConfigureAwait(false);
                await Console.Error.WriteLineAsync("  " + groupError).ConfigureAwait(false);
                return ExitConfigInvalid;
            }
        }
        catch (EdgeConfigurationSources.ConfigurationFileException ex)
        {
            await Console.Error.WriteLineAsync("edge: " + ex.Message).ConfigureAwait(false);
            return ExitConfigInvalid;
        }

        ConfigureLogging(builder);
        var testClock = TestWallClockOffset.FromEnvironment();
        var time = testClock ?? TimeProvider.System;
        var options = settings.Options;
        if (testClock is not null)
        {
            await Console.Error.WriteLineAsync($"edge: WARNING: the wall clock is offset by the seconds in {testClock.OffsetFile} ({TestWallClockOffset.Variable}): for tests only").ConfigureAwait(false);
        }


        // Both locks are taken before the buffer is opened: a refused edge touches neither the buffer nor the socket.
        InstanceLock dataLock;
        LocalApiSocket socket;
        try
        {
            dataLock = InstanceLock.ForDataDirectory(options.Buffer.Path);
        }
        catch (InstanceLockedException ex)
        {
            await Console.Error.WriteLineAsync("edge: " + ex.Message).ConfigureAwait(false);
            return ExitInstanceLocked;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"edge: cannot lock the data directory of '{Path.GetFullPath(options.Buffer.Path)}': {ex.Message}").ConfigureAwait(false);
            return ExitFailure;
        }

        using (dataLock)
        {
            try
            {
                socket = LocalApiSocket.Claim(options.LocalApi.SocketPath, options.LocalApi.Group);
            }
            catch (InstanceLockedException ex)
            {
                await Console.Error.WriteLineAsync("edge: " + ex.Message).ConfigureAwait(false);
                return ExitInstanceLocked;
            }
            catch (Exception ex) when (ex is UnsafeSocketDirectoryException or LocalApiGroupException)
            {
                await Console.Error.WriteLineAsync("edge: " + ex.Message).ConfigureAwait(false);
                return ExitUnsafeSocketDirectory;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"edge: cannot prepare the local API socket '{Path.GetFullPath(options.LocalApi.SocketPath)}': {ex.Message}").ConfigureAwait(false);
                return ExitFailure;
            }

            using (socket)
            {
                return await RunAsync(builder, settings, socket, time, args).ConfigureAwait(false);
            }
        }
    }

    private static async Task<int> RunAsync(WebApplicationBuilder builder, EdgeSettings settings, LocalApiSocket socket, TimeProvider time, string[] args)
    {
        var options = settings.Options;
        BatchBuffer buffer;
        try
        {
            buffer = BatchBuffer.Open(options.Buffer.Path, options.Buffer.MaxBytes, options.GatewayId, time, options.Buffer.MaxReadingsPerBatch);
        }
        catch (BufferOwnershipException ex)
        {
            await Console.Error.WriteLineAsync("edge: " + ex.Message).ConfigureAwait(false);
            return ExitConfigInvalid;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or LiteDB.LiteException)
        {
            await Console.Error.WriteLineAsync($"edge: cannot open the buffer '{Path.GetFullPath(options.Buffer.Path)}': {ex.Message}").ConfigureAwait(false);
            return ExitFailure;
        }

        try
        {
            return await RunGenerationsAsync(builder, settings, buffer, socket, time, args).ConfigureAwait(false);
        }
        finally
        {
            buffer.Dispose();
        }
    }

    /// <summary>
    /// <see cref="Build(WebApplicationBuilder, EdgeSettings, BatchBuffer, TimeProvider, LocalApiSocket)"/> claiming the configured
    /// socket first (tests build the edge in-process with this). Throws <see cref="InstanceLockedException"/>,
    /// <see cref="UnsafeSocketDirectoryException"/> or <see cref="LocalApiGroupException"/> as <see cref="LocalApiSocket.Claim"/> does.
    /// </summary>
    public static WebApplication Build(WebApplicationBuilder builder, EdgeSettings settings, BatchBuffer buffer, TimeProvider time, out string socketPath, IReadOnlyList<IProtocolDriver>? drivers = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var socket = LocalApiSocket.Claim(settings.Options.LocalApi.SocketPath, settings.Options.LocalApi.Group);
        try
        {
            socketPath = socket.Path;
            return Build(builder, settings, buffer, time, socket, drivers);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Registers the loops and services and maps the local API on the claimed socket, which the app then owns: disposing the
    /// app removes the socket file and releases its lock. <paramref name="settings"/> must already carry the buffer's aliases
    /// (<see cref="WithAliases"/>) and come from the same <paramref name="drivers"/> (default <see cref="EdgeProtocols.All"/>).
    /// </summary>
    public static WebApplication Build(WebApplicationBuilder builder, EdgeSettings settings, BatchBuffer buffer, TimeProvider time, LocalApiSocket socket, IReadOnlyList<IProtocolDriver>? drivers = null, EdgeRun? run = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        var options = settings.Options;
        var state = new EdgeState(options.GatewayId, time.GetUtcNow(), settings.Devices);

        builder.Services.AddSystemd();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(buffer);
        builder.Services.AddSingleton(state);
        // A scaled Edge:Clock (tests, demos) drives the DALI lines and the lighting; the guard then judges the real clock only.
        var fieldClock = new FieldClock(settings.Clock?.Create(time) ?? time);
        builder.Services.AddSingleton(fieldClock);
        builder.Services.AddSingleton(sp => new ReadingQueue(ReadingQueue.DefaultCapacity,
            new ClockGuard(time, sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>().CreateLogger<ClockGuard>(), judgeTimestamps: !fieldClock.IsScaled)));

        var protocols = new ProtocolDrivers(drivers ?? EdgeProtocols.All);
        builder.Services.AddSingleton(protocols);
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolver = LocalApiJson.Resolver(protocols.All));
        foreach (var driver in protocols.All)
        {
            driver.AddServices(builder.Services, settings);
        }

        if (run is not null)
        {
            if (Microsoft.Extensions.Hosting.Systemd.SystemdHelpers.IsSystemdService())
            {
                builder.Services.AddSingleton<IHostLifetime>(sp => new RunAwareSystemdLifetime(sp.GetRequiredService<IHostApplicationLifetime>(),
                    sp.GetRequiredService<Microsoft.Extensions.Hosting.Systemd.ISystemdNotifier>(), () => run.Reloader.ReplacingRun));
            }

            builder.Services.AddSingleton(new RunHandover(() => run.Reloader.ReplacingRun));
            builder.Services.AddSingleton(run.Config);
            builder.Services.AddSingleton(run.Reloader);
            builder.Services.AddSingleton<Commands.IEdgeConfigPush>(run.Reloader);
        }

        builder.Services.AddSingleton<PointWriter>();
        builder.Services.AddSingleton<StatusService>();
        LightingSetup.AddLighting(builder.Services, settings);
        CommandsSetup.AddCommands(builder.Services, settings, buffer);

        // Started in this order, stopped in reverse: the forwarder stops first, the pollers next, and the
        // buffer writer last, so it commits every reading the pollers produced.
        builder.Services.AddHostedService<BufferWriter>();
        builder.Services.AddHostedService<PollingService>();
        builder.Services.AddHostedService<Forwarder>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CommandService>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LightingScheduler>());
        builder.Services.AddEdgeMetrics(options.Metrics.ForwardPeriodSeconds);

        // sd_notify and the watchdog over the loops above; tests register their own registry (grace) and notify target first.
        builder.Services.TryAddSingleton(_ => new LoopLiveness(time));
        builder.Services.TryAddSingleton(_ => SystemdNotifyTarget.FromEnvironment());
        builder.Services.AddSingleton<WatchdogNotifier>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WatchdogNotifier>());

        ArgumentNullException.ThrowIfNull(socket);
        var listenHandle = socket.Bind();
        builder.WebHost.ConfigureKestrel(k => k.ListenHandle(listenHandle));

        // Registered by a factory so that the container disposes it; resolved at once so that it is disposed after Kestrel.
        // A run of the daemon's loops (run is set) leaves the socket to the process, which keeps it across reloads.
        if (run is null)
        {
            builder.Services.AddSingleton(_ => socket);
        }
        else
        {
            builder.Services.AddSingleton(socket);
        }

        var app = builder.Build();
        _ = app.Services.GetRequiredService<LocalApiSocket>();
        var startLogger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("City.Edge");
        foreach (var warning in socket.Warnings)
        {
            startLogger.LogWarning("Local API socket {Socket}: {Warning}", socket.Path, warning);
        }

        if (fieldClock.Time is ScaledTimeProvider scaled)
        {
            startLogger.LogWarning("Edge:Clock: the DALI lines and the lighting run on a SCALED clock ({Speed}x from {SimulatedStart:o} at real {RealStart:o}); for tests and demos only",
                scaled.Speed, scaled.SimulatedStart, scaled.RealStart);
        }

        if (!app.Services.GetRequiredService<CommandChecks>().HasSigningKey)
        {
            startLogger.LogWarning("No command-signing key (Edge:Commands:SigningKeyFile; plain MQTT): every remote command from central is refused (reason signature)");
        }

        app.MapLocalApi();
        app.MapEdgeMetrics();
        app.MapPlanAndWrite();
        if (run is not null)
        {
            app.MapConfigEndpoints();
        }

        foreach (var driver in protocols.All)
        {
            driver.MapEndpoints(app);
        }

        return app;
    }

    /// <summary>Gives every configured point its persisted alias (assigning new ones as needed).</summary>
    public static EdgeSettings WithAliases(EdgeSettings settings, BatchBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(buffer);
        var points = settings.Devices.SelectMany(d => d.Points).ToList();
        var aliases = buffer.SyncCatalogue(points.Select(p => new PointInfo
        {
            Id = p.Id,
            Unit = p.Unit,
            Type = p.PointType,
            Device = p.Device,
            Description = p.Description,
        }).Concat(settings.Options.Metrics.ForwardPeriodSeconds > 0 ? EdgeFigures.CataloguePoints(settings) : []));
        buffer.DeclareEventPoints(points.Where(p => p.IsEvent).Select(p => p.Id));
        var devices = settings.Devices
            .Select(d => d with { Points = d.Points.Select(p => p with { Alias = aliases[p.Id] }).ToList() })
            .ToList();
        return settings with { Devices = devices };
    }

    private static void ConfigureLogging(WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));

        AddConsole(builder.Logging);
    }

    private static void AddConsole(ILoggingBuilder logging)
    {
        // One line per event with UTC timestamps; "--Logging:Console:FormatterName=json" gives JSON lines, and
        // under systemd AddSystemd switches to the journal's format.
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
    }

    private static void LogCentralLink(ILogger logger, CentralOptions central)
    {
        if (central.Tls.ToBrokerTls() is { } tls)
        {
            logger.LogInformation("Central at {Host}:{Port} over TLS: broker checked against {CaFile}, this gateway's certificate {CertFile}", central.Host, central.Port, tls.CaFile, tls.CertFile);
        }
        else
        {
            logger.LogWarning("Central at {Host}:{Port} over PLAIN MQTT (Edge:Central:AllowPlain=true): the broker is not checked and this gateway proves no identity; for development and tests only", central.Host, central.Port);
        }
    }

    private static void LogStarting(ILogger logger, string gatewayId, ulong epoch, string version, int devices, string socket, string access) =>
        logger.LogInformation("edge {Version} starting: gateway {GatewayId}, epoch {Epoch}, {Devices} devices, local API on {Socket} ({SocketAccess})", version, gatewayId, epoch, devices, socket, access);
}
