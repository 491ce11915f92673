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

    /// <summary>Every device, whatever its protocol; the protocols' own sections (Edge:SerialLines, Edge:Snmp, ...) are bound by their drivers.</summary>
    public List<DeviceOptions> Devices { get; set; } = [];
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
    public string SocketPath { get; set; } = "/tmp/city-edge/edgectl.sock";
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
