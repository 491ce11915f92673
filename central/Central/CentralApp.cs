using City.Central.Api;
using City.Central.Assets;
using City.Central.Auth;
using City.Central.Commands;
using City.Central.Configuration;
using City.Central.Energy;
using City.Central.Ingest;
using City.Central.Lighting;
using City.Central.Live;
using City.Central.Metrics;
using City.Central.Model;
using City.Central.Mqtt;
using City.Central.Page;
using City.Central.OpenData;
using City.Central.Pki;
using City.Central.State;
using City.Central.Store;
using City.Central.Store.Postgres;
using City.Contract.Mqtt;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace City.Central;

/// <summary>Builds the central process: configuration, store, broker, ingestion and the HTTP API.</summary>
internal static partial class CentralApp
{
    /// <summary>
    /// Builds the application, or returns the configuration problems (each naming its key) and null.
    /// Configuration: appsettings.json next to the executable, then environment (Central__X), then
    /// the command line (--Central:X=value).
    /// </summary>
    public static WebApplication? Build(string[] args, out IReadOnlyList<string> errors)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });

        var section = builder.Configuration.GetSection(CentralOptions.Section);
        var unknown = ConfigurationKeys.FindUnknown(section, typeof(CentralOptions));
        if (unknown.Count > 0)
        {
            errors = [.. unknown.Select(k => $"{k}: unknown key (a typo?).")];
            return null;
        }

        CentralOptions options;
        try
        {
            options = section.Get<CentralOptions>() ?? new CentralOptions();
        }
        catch (InvalidOperationException exception)
        {
            // The binder names the key: "Failed to convert configuration value at 'Central:Mqtt:Port' to type 'System.Int32'."
            errors = [exception.InnerException is null ? exception.Message : $"{exception.Message} {exception.InnerException.Message}"];
            return null;
        }

        errors = options.Validate();
        if (errors.Count > 0)
        {
            return null;
        }

        options.DataPath = Path.GetFullPath(options.DataPath);

        // Every page and document is checked before the store is opened for writing: a damaged file is
        // refused here, naming the file and the way out, rather than failing the first query that reaches it.
        var storeFile = Path.Combine(options.DataPath, LiteDbReadingStore.FileName);
        var storeReport = !options.Store.IsPostgres && File.Exists(storeFile) ? StoreVerifier.Verify(storeFile) : null;
        if (storeReport is { IsHealthy: false })
        {
            throw new StoreDamagedException(storeReport);
        }

        // Central's PKI (CA, server and client certificates), created on first start so that TLS works out of the box.
        var pki = PkiStore.OpenOrCreate(options.DataPath, options.Pki.ServerNames, TimeProvider.System);

        builder.Host.UseSystemd();
        builder.WebHost.UseUrls(options.HttpUrl);
        if (options.IsHttps)
        {
            // The PKI is created on first use, so https works out of the box; clients trust DataPath/pki/ca.crt.
            var serverCertificate = pki.LoadServerCertificate();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = serverCertificate));
        }

        if (!Microsoft.Extensions.Hosting.Systemd.SystemdHelpers.IsSystemdService()
            && string.IsNullOrEmpty(builder.Configuration["Logging:Console:FormatterName"]))
        {
            // Under systemd, UseSystemd's journal format applies instead; Logging:Console:FormatterName=json
            // gives one JSON object per line with every structured field.
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
        }
        // The authentication handler's own lines ("Bearer was challenged") would log every refused request; ApiRefusals
        // logs them at a limited rate instead.
        builder.Logging.AddFilter(typeof(BearerTokenHandler).FullName, LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));

        var services = builder.Services;
        services.AddSingleton(Options.Create(options));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IReadingStore>(sp => options.Store.IsPostgres
            ? PostgresReadingStore.Open(options.Store.ConnectionString!, sp.GetRequiredService<TimeProvider>())
            : new LiteDbReadingStore(options.DataPath, options.Store.SyncCommits));
        services.AddSingleton(sp => (IHistoryStore)sp.GetRequiredService<IReadingStore>());
        services.AddSingleton(sp => new GatewayRegistry(sp.GetRequiredService<IReadingStore>().LoadGateways()));
        services.AddSingleton(_ => new AssetStore(options.DataPath));
        services.AddSingleton<AssetDirectory>();
        services.AddSingleton<AssetIngest>();
        services.AddSingleton<IngestStats>();
        services.AddSingleton<RejectLog>();
        services.AddSingleton(new IngestQueue(options.Ingest.QueueCapacity, options.Ingest.QueueBytes));
        services.AddSingleton<BrokerEndpoint>();
        services.AddSingleton(sp => new TokenStore(options.DataPath, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ApiRefusals>();
        services.AddApiTokens();
        services.AddCentralOpenApi();
        services.AddSingleton<GatewayTags>();
        services.AddSingleton<AlarmAcks>();

        // Started in this order, stopped in reverse: the worker drains and acks while the client is
        // still connected, then the client disconnects, then the embedded broker stops.
        services.AddSingleton(pki);

        if (options.IsEmbeddedBroker)
        {
            services.AddSingleton<IBrokerCredentials>(new PkiBrokerCredentials(pki));
            services.AddSingleton<BrokerRefusals>();
            services.AddSingleton<BrokerAccess>();
            services.AddSingleton<EmbeddedBroker>();
            services.AddHostedService(sp => sp.GetRequiredService<EmbeddedBroker>());
        }

        services.AddSingleton(new CommandResultQueue());
        services.AddSingleton<CommandStats>();
        services.AddSingleton(_ => new CommandStore(options.DataPath, options.Store.SyncCommits));
        services.AddSingleton(_ => new CommandSigner(pki.LoadCommandSigningKey()));
        services.AddSingleton<CommandService>();
        services.AddSingleton(_ => new LightingStore(options.DataPath, options.Store.SyncCommits));
        services.AddSingleton<LightingService>();
        services.AddSingleton(sp => new EdgeConfigs.EdgeConfigPushes(options.DataPath, sp.GetRequiredService<CommandService>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IGatewayBirths>(sp => new GatewayBirthListeners(sp.GetRequiredService<CommandService>(), sp.GetRequiredService<LightingService>()));
        services.AddSingleton<IngestClient>();
        services.AddSingleton<ICommandPublisher>(sp => sp.GetRequiredService<IngestClient>());
        services.AddSingleton<IBrokerLink>(sp => sp.GetRequiredService<IngestClient>());
        services.AddSingleton<IAckPublisher>(sp => sp.GetRequiredService<IngestClient>());
        services.AddSingleton<IMessageIntake>(sp => sp.GetRequiredService<IngestClient>());
        services.AddHostedService(sp => sp.GetRequiredService<IngestClient>());
        services.AddEnergy(options);

        // The live stream and the metrics hear of every commit; the hub starts before the worker and stops after it.
        services.AddSingleton<LiveHub>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveHub>());
        services.AddSingleton(sp => new CentralMetrics(
            sp.GetRequiredService<IngestStats>(),
            sp.GetRequiredService<IngestQueue>(),
            sp.GetRequiredService<GatewayRegistry>(),
            sp.GetRequiredService<CommandStore>(),
            sp.GetRequiredService<CommandStats>(),
            sp.GetRequiredService<LiveHub>(),
            sp.GetRequiredService<IReadingStore>(),
            sp.GetRequiredService<ApiRefusals>(),
            new MetricsIdentity(options.ResolvedInstanceId, StoreKind(builder.Configuration), CommandLine.Version),
            options.Ingest.QueueCapacity));
        services.AddSingleton<ICommitListener>(sp => sp.GetRequiredService<LiveHub>());
        services.AddSingleton<ICommitListener>(sp => sp.GetRequiredService<CentralMetrics>());
        services.AddHostedService<IngestWorker>();
        services.AddHostedService<HistoryMaintenance>();
        services.AddHostedService(sp => sp.GetRequiredService<CommandService>());
        services.AddHostedService(sp => sp.GetRequiredService<LightingService>());
        services.AddSingleton<OpenDataPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<OpenDataPublisher>());

        var app = builder.Build();
        var brokerEndpoint = app.Services.GetRequiredService<BrokerEndpoint>();
        brokerEndpoint.Tls = IngestTls(options, pki);
        if (!options.IsEmbeddedBroker)
        {
            brokerEndpoint.Set(options.Mqtt.Host, options.Mqtt.Port);
        }

        // Load the store before anything is served or ingested.
        _ = app.Services.GetRequiredService<GatewayRegistry>();

        // The error shape and the docs page come first; authentication and authorization explicitly after the page's
        // static files (the fallback policy would want a token for them).
        app.UseErrorShape();
        app.UseDocsPage();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApiDocument();
        app.MapCentralApi();
        app.MapCentralMetrics(options);
        app.MapOperatorPage();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("City.Central");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var url in BoundUrls(app))
            {
                LogHttpListening(logger, url);
            }

            foreach (var change in pki.Changes)
            {
                LogPkiChange(logger, change);
            }

            if (storeReport is not null)
            {
                LogStoreVerified(logger, storeReport.File, storeReport.Pages, storeReport.Documents, (long)storeReport.Elapsed.TotalMilliseconds);
            }

            LogStarted(logger, options.DataPath, options.Mqtt.Mode, options.AdmitOnBirth, options.AllowedGateways.Count);
            var tokens = app.Services.GetRequiredService<TokenStore>();
            if (tokens.ActiveCount == 0)
            {
                LogNoTokens(logger, tokens.FilePath, tokens.Problem ?? "no token created yet");
            }
        });
        return app;
    }

    /// <summary>
    /// How central's ingest client connects: to the embedded broker always over TLS with central's own certificate; to an
    /// external one with Mqtt:Tls:CaFile|CertFile|KeyFile (default: the pki files), or plain with Mqtt:AllowPlain.
    /// </summary>
    private static BrokerTls? IngestTls(CentralOptions options, PkiStore pki)
    {
        var tls = options.Mqtt.Tls;
        if (options.IsEmbeddedBroker)
        {
            return new BrokerTls(pki.CaFile, pki.CentralCertFile, pki.CentralKeyFile);
        }

        return options.Mqtt.AllowPlain
            ? null
            : new BrokerTls(tls.CaFile ?? pki.CaFile, tls.CertFile ?? pki.CentralCertFile, tls.KeyFile ?? (tls.CertFile is null ? pki.CentralKeyFile : null));
    }

    /// <summary>Central:Store:Kind (litedb unless set).</summary>
    private static string StoreKind(IConfiguration configuration) =>
        configuration[$"{CentralOptions.Section}:Store:Kind"] is { Length: > 0 } kind ? kind.ToLowerInvariant() : "litedb";

    /// <summary>The URLs Kestrel really bound (port 0 resolved).</summary>
    public static IReadOnlyList<string> BoundUrls(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        return addresses is null ? [] : [.. addresses];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Store {File} verified: {Pages} pages, {Documents} documents in {ElapsedMs} ms")]
    private static partial void LogStoreVerified(ILogger logger, string file, long pages, long documents, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "PKI: {Change}")]
    private static partial void LogPkiChange(ILogger logger, string change);

    [LoggerMessage(Level = LogLevel.Information, Message = "HTTP API listening on {Url}")]
    private static partial void LogHttpListening(ILogger logger, string url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No usable API token in {File} ({Problem}): every /api/v1 request is refused until one is created (central token create --name NAME --role viewer|operator|admin, as the user central runs as)")]
    private static partial void LogNoTokens(ILogger logger, string file, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Central started: data in {DataPath}, broker mode {Mode}, admit on birth {AdmitOnBirth}, {Allowed} allowed gateways")]
    private static partial void LogStarted(ILogger logger, string dataPath, string mode, bool admitOnBirth, int allowed);
}
