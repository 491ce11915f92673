namespace City.Edge.Configuration;

// The "Edge" configuration section. Numbers are plain ints/longs so that out-of-range values reach the
// validator (and get a message naming the key) instead of failing inside the binder.

public sealed class EdgeOptions
{
    public const string SectionName = "Edge";

    public string GatewayId { get; set; } = string.Empty;

    public CentralOptions Central { get; set; } = new();

    public BufferOptions Buffer { get; set; } = new();

    public LocalApiOptions LocalApi { get; set; } = new();

    public List<DeviceOptions> Devices { get; set; } = [];
}

public sealed class CentralOptions
{
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 1883;

    public bool UseTls { get; set; }

    public int KeepAliveSeconds { get; set; } = 15;

    public int AckTimeoutSeconds { get; set; } = 10;

    public int MaxInFlightBatches { get; set; } = 16;

    public int ReconnectMinDelayMs { get; set; } = 250;

    public int ReconnectMaxDelayMs { get; set; } = 15000;
}

public sealed class BufferOptions
{
    public string Path { get; set; } = "data/edge-buffer.db";

    public long MaxBytes { get; set; } = 1L << 30;

    public int FlushIntervalMs { get; set; } = 500;

    public int MaxReadingsPerBatch { get; set; } = 5000;
}

public sealed class LocalApiOptions
{
    public string SocketPath { get; set; } = "/tmp/city-edge/edgectl.sock";
}

public sealed class DeviceOptions
{
    public string Name { get; set; } = string.Empty;

    public string Protocol { get; set; } = "modbus-tcp";

    /// <summary>A disabled device is not polled at all; its points stay in the catalogue.</summary>
    public bool Enabled { get; set; } = true;

    public string Host { get; set; } = string.Empty;

    public int Port { get; set; } = 502;

    public int UnitId { get; set; } = 1;

    public int TimeoutMs { get; set; } = 1000;

    public List<PointOptions> Points { get; set; } = [];
}

public sealed class PointOptions
{
    public string Name { get; set; } = string.Empty;

    public int Register { get; set; } = -1;

    public string Table { get; set; } = "holding";

    public string DataType { get; set; } = "uint16";

    public string WordOrder { get; set; } = "ABCD";

    public double Scale { get; set; } = 1.0;

    public string Unit { get; set; } = string.Empty;

    public int PeriodMs { get; set; } = 1000;

    public string Description { get; set; } = string.Empty;
}
