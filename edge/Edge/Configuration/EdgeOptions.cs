namespace City.Edge.Configuration;

// The "Edge" configuration section. Numbers are plain ints/longs so that out-of-range values reach the
// validator (and get a message naming the key) instead of failing inside the binder.

internal sealed class EdgeOptions
{
    public const string SectionName = "Edge";

    public string GatewayId { get; set; } = string.Empty;

    public CentralOptions Central { get; set; } = new();

    public BufferOptions Buffer { get; set; } = new();

    public LocalApiOptions LocalApi { get; set; } = new();

    public CommandOptions Commands { get; set; } = new();

    /// <summary>Where the cabinet stands (town, coordinates, time zone); optional.</summary>
    public SiteOptions Site { get; set; } = new();

    /// <summary>A scaled clock for the DALI lines and the lighting scheduler (tests and demos only).</summary>
    public ClockOptions Clock { get; set; } = new();

    /// <summary>The edge's own figures: GET /metrics on the local API, and their periodic sample forwarded to central.</summary>
    public MetricsOptions Metrics { get; set; } = new();

    /// <summary>Every device, whatever its protocol; the protocols' own sections (Edge:SerialLines, Edge:Snmp, ...) are bound by their drivers.</summary>
    public List<DeviceOptions> Devices { get; set; } = [];

    /// <summary>How a new configuration is tried (Edge:Reload).</summary>
    public ReloadOptions Reload { get; set; } = new();
}

/// <summary>The edge's metrics (Edge:Metrics).</summary>
internal sealed class ReloadOptions
{
    /// <summary>How long a new configuration has for one of its devices to answer before the previous one is put back.</summary>
    public int GracePeriodSeconds { get; set; } = 60;
}

internal sealed class MetricsOptions
{
    /// <summary>Seconds between two samples of the figures forwarded to central as $edge/metrics/... points; 0: not forwarded.</summary>
    public int ForwardPeriodSeconds { get; set; } = 60;
}

/// <summary>Remote commands from central (Edge:Commands).</summary>
internal sealed class CommandOptions
{
    public const string KeyFileName = "command-signing.pub";

    /// <summary>Central's command-signing public key (PEM); default: command-signing.pub beside Edge:Central:Tls:CaFile.</summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>How far this cabinet's clock may be off central's: added to not_after, and to how long ids are remembered.</summary>
    public int ClockSkewSeconds { get; set; } = 30;

    /// <summary>The key file in use: the configured one, else the default beside the CA file, else none (plain MQTT).</summary>
    public string? ResolveKeyFile(CentralTlsOptions? tls)
    {
        if (!string.IsNullOrWhiteSpace(SigningKeyFile))
        {
            return SigningKeyFile;
        }

        if (string.IsNullOrWhiteSpace(tls?.CaFile))
        {
            return null;
        }

        return System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(tls.CaFile)) ?? ".", KeyFileName);
    }
}

internal sealed class CentralOptions
{
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 8883;

    /// <summary>TLS to the broker (our CA, our client certificate); required unless <see cref="AllowPlain"/>.</summary>
    public CentralTlsOptions Tls { get; set; } = new();

    /// <summary>Plain MQTT, no TLS and no proof of identity: development and tests only.</summary>
    public bool AllowPlain { get; set; }

    public int KeepAliveSeconds { get; set; } = 15;

    public int AckTimeoutSeconds { get; set; } = 10;

    public int MaxInFlightBatches { get; set; } = 16;

    public int ReconnectMinDelayMs { get; set; } = 250;

    public int ReconnectMaxDelayMs { get; set; } = 15000;
}

internal sealed class CentralTlsOptions
{
    public string? CaFile { get; set; }

    public string? CertFile { get; set; }

    public string? KeyFile { get; set; }

    /// <summary>Any of the three set: TLS is meant (the start checks require all three).</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(CaFile) || !string.IsNullOrWhiteSpace(CertFile) || !string.IsNullOrWhiteSpace(KeyFile);

    /// <summary>The files with their full paths (a relative path is taken from the working directory, as the buffer's), or null without TLS.</summary>
    public City.Contract.Mqtt.BrokerTls? ToBrokerTls() =>
        IsConfigured ? new(FullPath(CaFile), FullPath(CertFile), FullPath(KeyFile)) : null;

    private static string FullPath(string? path) => string.IsNullOrWhiteSpace(path) ? string.Empty : System.IO.Path.GetFullPath(path);
}

internal sealed class BufferOptions
{
    public string Path { get; set; } = "data/edge-buffer.db";

    public long MaxBytes { get; set; } = 1L << 30;

    public int FlushIntervalMs { get; set; } = 500;

    public int MaxReadingsPerBatch { get; set; } = 5000;
}

internal sealed class LocalApiOptions
{
    /// <summary>The socket's default outside systemd (and edgectl's second choice).</summary>
    public const string FallbackSocketPath = "/tmp/city-edge/edgectl.sock";

    /// <summary>Under edge.service, systemd sets RUNTIME_DIRECTORY (/run/city-edge): the default socket is edgectl.sock there.</summary>
    public string SocketPath { get; set; } = DefaultSocketPath(Environment.GetEnvironmentVariable("RUNTIME_DIRECTORY"));

    /// <summary>The socket's group (mode 0660); not set = edgectl when that group exists, "" = no group (mode 0600).</summary>
    public string? Group { get; set; }

    /// <summary>edgectl.sock in the (first) runtime directory systemd made for the service, otherwise <see cref="FallbackSocketPath"/>.</summary>
    public static string DefaultSocketPath(string? runtimeDirectory) =>
        string.IsNullOrEmpty(runtimeDirectory) ? FallbackSocketPath : System.IO.Path.Combine(runtimeDirectory.Split(':')[0], "edgectl.sock");
}

/// <summary>What the core reads of an entry of Edge:Devices; the driver of its Protocol binds and checks the rest.</summary>
internal sealed class DeviceOptions
{
    public string Name { get; set; } = string.Empty;

    /// <summary>Names the driver of the device; not set = the first protocol of the first driver (modbus-tcp).</summary>
    public string? Protocol { get; set; }

    /// <summary>A disabled device is not polled at all; its points stay in the catalogue.</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary>The keys of a point that belong to no protocol; each protocol's point options add their own.</summary>
internal class PointOptions
{
    public string Name { get; set; } = string.Empty;

    /// <summary>Whether the local API (and later central) may write the point (where its protocol allows it).</summary>
    public bool Writable { get; set; }

    public string Unit { get; set; } = string.Empty;

    public int PeriodMs { get; set; } = 1000;

    public string Description { get; set; } = string.Empty;
}
