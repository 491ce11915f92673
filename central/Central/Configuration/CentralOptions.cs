using System.Globalization;
using System.Net;
using City.Contract;

namespace City.Central.Configuration;

/// <summary>The "Central" configuration section (appsettings.json, environment Central__X, --Central:X=...).</summary>
internal sealed class CentralOptions
{
    public const string Section = "Central";

    public string DataPath { get; set; } = "data/central";

    /// <summary>The HTTP API's address; https://... serves central's server certificate (DataPath/pki/server.crt).</summary>
    public string HttpUrl { get; set; } = "http://127.0.0.1:8080";

    public bool IsHttps => HttpUrl.StartsWith("https:", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// This central among several on one broker and database (shown in /healthz and the logs, part of the MQTT client ids
    /// with Mqtt:SharedGroup). Default: <see cref="DefaultInstanceId"/>.
    /// </summary>
    public string? InstanceId { get; set; }

    public MqttSettings Mqtt { get; set; } = new();

    public List<string> AllowedGateways { get; set; } = [];

    /// <summary>With AdmitOnBirth: "admit any gateway holding a certificate from our CA".</summary>
    public bool AdmitOnBirth { get; set; }

    /// <summary>New gateways the embedded broker admits per minute with AdmitOnBirth (a burst of as many, then that rate).</summary>
    public int AdmitRatePerMinute { get; set; } = 30;

    public int MaxPayloadBytes { get; set; } = 1024 * 1024;

    public IngestSettings Ingest { get; set; } = new();

    public StoreSettings Store { get; set; } = new();

    /// <summary>Central:Retention: raw and hourly-aggregate lifetimes (0 = forever) and how often they are applied.</summary>
    public RetentionSettings Retention { get; set; } = new();

    public PkiSettings Pki { get; set; } = new();

    /// <summary>GET /api/v1/stream: its resume buffer, per-client buffer, client limit and heartbeat.</summary>
    public StreamSettings Stream { get; set; } = new();

    /// <summary>GET /metrics (Prometheus text format).</summary>
    public MetricsSettings Metrics { get; set; } = new();

    /// <summary>/opendata/: the published datasets (off by default).</summary>
    public OpenDataSettings OpenData { get; set; } = new();

    public bool IsEmbeddedBroker => string.Equals(Mqtt.Mode, MqttSettings.Embedded, StringComparison.OrdinalIgnoreCase);

    /// <summary>The instance id in use: <see cref="InstanceId"/>, or the host name and the HTTP port ("host-8080").</summary>
    public string ResolvedInstanceId => string.IsNullOrWhiteSpace(InstanceId) ? DefaultInstanceId(HttpUrl) : InstanceId;

    /// <summary>
    /// The ingest client's MQTT client id: Mqtt:ClientId, and with a shared group "-" and the instance id, so that every
    /// central on the broker has a session of its own (the acks client adds "-acks").
    /// </summary>
    public string IngestClientId => Mqtt.SharedGroup is null ? Mqtt.ClientId : $"{Mqtt.ClientId}-{ResolvedInstanceId}";

    /// <summary>The host name and the HTTP port; the process id instead of port 0 (a free port picked at start).</summary>
    public static string DefaultInstanceId(string httpUrl)
    {
        var host = Dns.GetHostName();
        var port = Uri.TryCreate(httpUrl, UriKind.Absolute, out var url) && url.Port > 0 ? url.Port : Environment.ProcessId;
        return $"{host}-{port.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>Every problem, each naming its key; empty when the options are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        const string P = Section + ":";
        if (string.IsNullOrWhiteSpace(DataPath))
        {
            errors.Add($"{P}DataPath: must not be empty.");
        }

        errors.AddRange(Retention.Validate(P + "Retention:"));

        if (!Uri.TryCreate(HttpUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.AbsolutePath != "/" || !string.IsNullOrEmpty(url.Query))
        {
            errors.Add($"{P}HttpUrl: '{HttpUrl}' is not an http or https URL like http://127.0.0.1:8080 or https://0.0.0.0:8443 (port 0 picks a free port; https serves central's certificate from DataPath/pki).");
        }

        var embedded = IsEmbeddedBroker;
        if (!embedded && !string.Equals(Mqtt.Mode, MqttSettings.External, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{P}Mqtt:Mode: '{Mqtt.Mode}' is neither '{MqttSettings.Embedded}' nor '{MqttSettings.External}'.");
        }

        if (string.IsNullOrWhiteSpace(Mqtt.Host))
        {
            errors.Add($"{P}Mqtt:Host: must not be empty.");
        }
        else if (embedded && Mqtt.BindAddress() is null)
        {
            errors.Add($"{P}Mqtt:Host: '{Mqtt.Host}' is not an IP address (or 'localhost') the embedded broker can bind to.");
        }

        if (Mqtt.Port is < 0 or > 65535 || (!embedded && Mqtt.Port == 0))
        {
            errors.Add($"{P}Mqtt:Port: {Mqtt.Port} is outside {(embedded ? 0 : 1)}-65535{(embedded ? " (0 picks a free port)" : string.Empty)}.");
        }

        if (embedded && Mqtt.PlainPort is < 0 or > 65535)
        {
            errors.Add($"{P}Mqtt:PlainPort: {Mqtt.PlainPort} is outside 0-65535 (0 picks a free port).");
        }
        else if (embedded && Mqtt.AllowPlain && Mqtt.PlainPort != 0 && Mqtt.PlainPort == Mqtt.Port)
        {
            errors.Add($"{P}Mqtt:PlainPort: {Mqtt.PlainPort} is also Central:Mqtt:Port (TLS); give the plain listener a port of its own.");
        }

        if (string.IsNullOrWhiteSpace(Mqtt.ClientId))
        {
            errors.Add($"{P}Mqtt:ClientId: must not be empty.");
        }
        else if (embedded && !Mqtt.ClientId.StartsWith("central:", StringComparison.Ordinal) || Mqtt.ClientId.Length == "central:".Length)
        {
            errors.Add($"{P}Mqtt:ClientId: '{Mqtt.ClientId}' must be central's identity, 'central:' and a suffix, for the embedded broker (default central:ingest).");
        }

        ValidateInstances(errors, embedded);
        foreach (var (key, file) in new[] { ("CaFile", Mqtt.Tls.CaFile), ("CertFile", Mqtt.Tls.CertFile), ("KeyFile", Mqtt.Tls.KeyFile) })
        {
            if (file is not null && string.IsNullOrWhiteSpace(file))
            {
                errors.Add($"{P}Mqtt:Tls:{key}: must not be empty (leave it out for the file in {{DataPath}}/pki).");
            }
        }

        if (AdmitRatePerMinute is < 1 or > 100_000)
        {
            errors.Add($"{P}AdmitRatePerMinute: {AdmitRatePerMinute} is outside 1-100000.");
        }

        for (var i = 0; i < AllowedGateways.Count; i++)
        {
            if (!GatewayIds.IsValid(AllowedGateways[i]))
            {
                errors.Add($"{P}AllowedGateways:{i.ToString(CultureInfo.InvariantCulture)}: '{AllowedGateways[i]}' is not a valid gateway id (1-64 of A-Z a-z 0-9 . _ -).");
            }
        }

        if (MaxPayloadBytes is < 64 or > 256 * 1024 * 1024)
        {
            errors.Add($"{P}MaxPayloadBytes: {MaxPayloadBytes} is outside 64-268435456.");
        }

        if (Ingest.MaxBatchesPerCommit is < 1 or > 100_000)
        {
            errors.Add($"{P}Ingest:MaxBatchesPerCommit: {Ingest.MaxBatchesPerCommit} is outside 1-100000.");
        }

        if (Ingest.QueueCapacity is < 1 or > 10_000_000)
        {
            errors.Add($"{P}Ingest:QueueCapacity: {Ingest.QueueCapacity} is outside 1-10000000.");
        }

        if (Ingest.QueueBytes < MaxPayloadBytes || Ingest.QueueBytes > 64L * 1024 * 1024 * 1024)
        {
            errors.Add($"{P}Ingest:QueueBytes: {Ingest.QueueBytes} is outside MaxPayloadBytes ({MaxPayloadBytes})-68719476736.");
        }

        if (Ingest.MaxFutureSkew < TimeSpan.Zero || Ingest.MaxFutureSkew > IngestSettings.MaxFutureSkewLimit)
        {
            errors.Add($"{P}Ingest:MaxFutureSkew: {Ingest.MaxFutureSkew} is outside 00:00:00-{IngestSettings.MaxFutureSkewLimit} (a time span such as 00:10:00).");
        }

        Store.Validate(errors);

        if (Ingest.MaxAge < IngestSettings.MinMaxAge || Ingest.MaxAge > IngestSettings.MaxAgeLimit)
        {
            errors.Add($"{P}Ingest:MaxAge: {Ingest.MaxAge} is outside {IngestSettings.MinMaxAge}-{IngestSettings.MaxAgeLimit.Days}.00:00:00 (a time span such as 400.00:00:00).");
        }

        Stream.Validate(P + "Stream:", errors);
        errors.AddRange(OpenData.Validate(P + "OpenData:"));
        return errors;
    }

    /// <summary>Instance id and shared group: names MQTT client ids and topic filters accept.</summary>
    private void ValidateInstances(List<string> errors, bool embedded)
    {
        const string P = Section + ":";
        if (InstanceId is not null && !IsPlainName(InstanceId))
        {
            errors.Add($"{P}InstanceId: '{InstanceId}' must be 1-64 of A-Z a-z 0-9 . _ - (it becomes part of MQTT client ids).");
        }

        if (Mqtt.SharedGroup is not { } group)
        {
            return;
        }

        if (!IsPlainName(group))
        {
            errors.Add($"{P}Mqtt:SharedGroup: '{group}' must be 1-64 of A-Z a-z 0-9 . _ - (the NAME of $share/NAME/...).");
        }

        if (!Store.IsPostgres)
        {
            errors.Add($"{P}Mqtt:SharedGroup: needs Central:Store:Kind=postgres: a LiteDB file belongs to one central (several centrals share one PostgreSQL database).");
        }

        if (embedded)
        {
            errors.Add($"{P}Mqtt:SharedGroup: needs Central:Mqtt:Mode=external: an embedded broker lives in one central and does not share subscriptions; run mosquitto (central mosquitto-config) or another MQTT 5 broker.");
        }
    }

    private static bool IsPlainName(string name) =>
        name.Length is >= 1 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}

internal sealed class MqttSettings
{
    public const string Embedded = "embedded";
    public const string External = "external";

    /// <summary>"embedded": run an MQTTnet broker in this process; "external": use the broker at Host:Port.</summary>
    public string Mode { get; set; } = Embedded;

    public string Host { get; set; } = "127.0.0.1";

    /// <summary>TLS with a client certificate required (embedded); the external broker's port.</summary>
    public int Port { get; set; } = 8883;

    /// <summary>
    /// Embedded: also a plain listener on 127.0.0.1:PlainPort, where the client id claims the identity (development and
    /// tests only). External: central's ingest client connects without TLS.
    /// </summary>
    public bool AllowPlain { get; set; }

    public int PlainPort { get; set; } = 1883;

    public string ClientId { get; set; } = "central:ingest";

    /// <summary>
    /// Several centrals on one broker: data and command results arrive through MQTT 5 shared subscriptions
    /// ($share/NAME/city/v1/+/data, ...), each message to one of the group's centrals; births and deaths (retained)
    /// reach every central. Null: one central, subscribed to city/v1/#.
    /// </summary>
    public string? SharedGroup { get; set; }

    /// <summary>External mode: the files central's ingest client connects with (default: central's pki files).</summary>
    public MqttTlsSettings Tls { get; set; } = new();

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>The address the embedded broker binds, or null when Host is not an IP address.</summary>
    public IPAddress? BindAddress()
    {
        if (string.Equals(Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        return IPAddress.TryParse(Host, out var address) ? address : null;
    }
}

internal sealed class MqttTlsSettings
{
    /// <summary>The CA the broker's server certificate must chain to (default {DataPath}/pki/ca.crt).</summary>
    public string? CaFile { get; set; }

    /// <summary>Central's client certificate (default {DataPath}/pki/central.crt).</summary>
    public string? CertFile { get; set; }

    /// <summary>Its private key (default {DataPath}/pki/central.key).</summary>
    public string? KeyFile { get; set; }
}

internal sealed class IngestSettings
{
    public int MaxBatchesPerCommit { get; set; } = 256;

    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>
    /// Payload bytes the ingest queue holds at most, with the group being committed (64 MiB): with QueueCapacity, what
    /// a backlog costs central's memory whatever the payloads' sizes. At least MaxPayloadBytes.
    /// </summary>
    public long QueueBytes { get; set; } = 64L * 1024 * 1024;

    public static readonly TimeSpan MaxFutureSkewLimit = TimeSpan.FromDays(1);
    public static readonly TimeSpan MinMaxAge = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxAgeLimit = TimeSpan.FromDays(36_500);

    /// <summary>Readings timestamped further ahead of central's clock than this are flagged (a wrong edge clock).</summary>
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Readings older than this (by central's clock) are flagged: about as long as an edge buffer can hold data
    /// (a 50-point meter cabinet fills the default 1 GiB cap in about 300 days, a 256-lamp cabinet in about 16 months).
    /// </summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(400);
}

internal sealed class StoreSettings
{
    public const string LiteDb = "litedb";
    public const string Postgres = "postgres";
    public const string KindKey = CentralOptions.Section + ":Store:Kind";
    public const string ConnectionStringKey = CentralOptions.Section + ":Store:ConnectionString";

    /// <summary>"litedb" (default: a file in DataPath, nothing to set up) or "postgres" (ConnectionString; docs/postgres.md).</summary>
    public string Kind { get; set; } = LiteDb;

    /// <summary>For Kind=postgres: an Npgsql connection string (Host=...;Port=...;Database=...;Username=...;Password=...). A secret: never logged.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>fsync the store's log after every commit, before the acks go out (LiteDB; PostgreSQL commits durably by itself).</summary>
    public bool SyncCommits { get; set; } = true;

    public bool IsPostgres => string.Equals(Kind, Postgres, StringComparison.OrdinalIgnoreCase);

    /// <summary>Problems of these settings, each naming its key; the connection string itself is never echoed.</summary>
    public void Validate(List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (!IsPostgres && !string.Equals(Kind, LiteDb, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{KindKey}: '{Kind}' is neither '{LiteDb}' nor '{Postgres}'.");
            return;
        }

        if (!IsPostgres)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            errors.Add($"{ConnectionStringKey}: required with {KindKey}={Postgres} (an Npgsql connection string such as Host=127.0.0.1;Port=5432;Database=city;Username=central;Password=...).");
            return;
        }

        try
        {
            var builder = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString);
            if (string.IsNullOrWhiteSpace(builder.Host))
            {
                errors.Add($"{ConnectionStringKey}: names no Host (the PostgreSQL server, e.g. Host=127.0.0.1).");
            }
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidCastException)
        {
            // The message of Npgsql's parser names the keyword, never the password's value.
            errors.Add($"{ConnectionStringKey}: not a valid Npgsql connection string ({exception.Message.ReplaceLineEndings(" ")}).");
        }
    }
}

internal sealed class PkiSettings
{
    /// <summary>Host names and addresses central's server certificate names besides localhost, 127.0.0.1 and ::1.</summary>
    public List<string> ServerNames { get; set; } = [];
}

internal sealed class StreamSettings
{
    /// <summary>Messages kept for resuming with Last-Event-ID, counted in items: a values message counts one per point.</summary>
    public int ResumeItems { get; set; } = 100_000;

    /// <summary>Messages queued for one client; a client that lets more pile up is dropped (with a final reset).</summary>
    public int ClientBuffer { get; set; } = 1_024;

    /// <summary>Stream clients at once; one more gets 503.</summary>
    public int MaxClients { get; set; } = 100;

    /// <summary>Seconds between heartbeat comments (": heartbeat") on an open stream.</summary>
    public int HeartbeatSeconds { get; set; } = 15;

    public void Validate(string prefix, List<string> errors)
    {
        if (ResumeItems is < 1 or > 10_000_000)
        {
            errors.Add($"{prefix}ResumeItems: {ResumeItems} is outside 1-10000000.");
        }

        if (ClientBuffer is < 1 or > 1_000_000)
        {
            errors.Add($"{prefix}ClientBuffer: {ClientBuffer} is outside 1-1000000.");
        }

        if (MaxClients is < 1 or > 100_000)
        {
            errors.Add($"{prefix}MaxClients: {MaxClients} is outside 1-100000.");
        }

        if (HeartbeatSeconds is < 1 or > 3_600)
        {
            errors.Add($"{prefix}HeartbeatSeconds: {HeartbeatSeconds} is outside 1-3600.");
        }
    }
}

internal sealed class MetricsSettings
{
    /// <summary>GET /metrics needs a viewer token like /api/v1 (default: open, like /healthz).</summary>
    public bool RequireToken { get; set; }
}
