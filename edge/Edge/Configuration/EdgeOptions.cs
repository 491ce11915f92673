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

    /// <summary>RS-485 lines shared by Modbus RTU devices (<c>"Protocol": "modbus-rtu"</c>, <c>"Line": name</c>).</summary>
    public List<SerialLineOptions> SerialLines { get; set; } = [];

    public List<DeviceOptions> Devices { get; set; } = [];

    /// <summary>Edge-wide SNMP settings (the trap listener); the SNMP devices themselves are in Devices.</summary>
    public SnmpEdgeOptions Snmp { get; set; } = new();

    /// <summary>DALI lighting lines, each behind a LUBA master interface (see edge/Edge/Dali).</summary>
    public List<DaliLineOptions> DaliLines { get; set; } = [];
}

/// <summary>One serial line (RS-485) polled by one Modbus RTU master, shared by every device whose Line names it.</summary>
internal sealed class SerialLineOptions
{
    public string Name { get; set; } = string.Empty;

    /// <summary>Serial port, e.g. /dev/ttyUSB0.</summary>
    public string Port { get; set; } = string.Empty;

    public int BaudRate { get; set; } = 19200;

    /// <summary>even, odd or none.</summary>
    public string Parity { get; set; } = "even";

    public int DataBits { get; set; } = 8;

    /// <summary>1 or 2.</summary>
    public int StopBits { get; set; } = 1;

    /// <summary>How long one slave may take to answer one request; a silent slave costs this much per request.</summary>
    public int TimeoutMs { get; set; } = 500;
}

internal sealed class CentralOptions
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

internal sealed class DeviceOptions
{
    public string Name { get; set; } = string.Empty;

    public string Protocol { get; set; } = "modbus-tcp";

    /// <summary>A disabled device is not polled at all; its points stay in the catalogue.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>modbus-tcp only.</summary>
    public string Host { get; set; } = string.Empty;

    /// <summary>modbus-tcp only (default 502); null when not set, so that an RTU device setting it can be reported.</summary>
    public int? Port { get; set; }

    /// <summary>modbus-rtu only: the name of an entry of Edge:SerialLines.</summary>
    public string? Line { get; set; }

    public int UnitId { get; set; } = 1;

    /// <summary>modbus-tcp only (default 1000); an RTU device uses its line's TimeoutMs.</summary>
    public int? TimeoutMs { get; set; }

    /// <summary>A built-in point map (sdm630, traffic-controller); the device's own Points are added to it.</summary>
    public string? Profile { get; set; }

    /// <summary>1-125: registers one read request may ask for.</summary>
    public int MaxRegistersPerRequest { get; set; } = 125;

    /// <summary>1-2000: coils or discrete inputs one read request may ask for.</summary>
    public int MaxBitsPerRequest { get; set; } = 2000;

    /// <summary>Unused registers a request may read to bridge a hole between points (x 16 bits in the bit tables).</summary>
    public int MaxInsert { get; set; } = 50;

    /// <summary>Wait after opening the connection before the first request (slow devices).</summary>
    public int PauseAfterConnectMs { get; set; }

    /// <summary>This device's own spacing between the end of one request and the start of its next.</summary>
    public int PauseBetweenRequestsMs { get; set; }

    /// <summary>Requests repeated after a timeout or a garbled answer (not after an exception answer).</summary>
    public int Retries { get; set; }

    public List<PointOptions> Points { get; set; } = [];

    /// <summary>snmp only: 3 (default), 2c or 1.</summary>
    public string? Version { get; set; }

    /// <summary>snmp v1/v2c only.</summary>
    public string? Community { get; set; }

    /// <summary>snmp v3 only: the USM user name.</summary>
    public string? User { get; set; }

    /// <summary>snmp v3 only: noAuthNoPriv, authNoPriv or authPriv (default: the most the user's protocols allow).</summary>
    public string? SecurityLevel { get; set; }

    /// <summary>snmp v3 only: MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512.</summary>
    public string? AuthProtocol { get; set; }

    /// <summary>snmp v3 only; never logged.</summary>
    public string? AuthPassword { get; set; }

    /// <summary>snmp v3 only: AES.</summary>
    public string? PrivProtocol { get; set; }

    /// <summary>snmp v3 only; never logged.</summary>
    public string? PrivPassword { get; set; }

    /// <summary>snmp only: max-repetitions of the GETBULK requests of a table walk (default 10).</summary>
    public int? MaxRepetitions { get; set; }
}

internal sealed class PointOptions
{
    public string Name { get; set; } = string.Empty;

    public int Register { get; set; } = -1;

    /// <summary>input, holding, coil or discrete.</summary>
    public string Table { get; set; } = "holding";

    /// <summary>Default uint16 in the register tables, bool in the bit tables.</summary>
    public string? DataType { get; set; }

    public string WordOrder { get; set; } = "ABCD";

    /// <summary>value = raw x Scale + Offset (numbers only; default 1).</summary>
    public double? Scale { get; set; }

    /// <summary>Added after scaling (numbers only; default 0).</summary>
    public double? Offset { get; set; }

    /// <summary>0-based bit of an integer value: the point becomes a bool (alarm words).</summary>
    public int? Bit { get; set; }

    /// <summary>Registers of a string point (two ASCII characters each).</summary>
    public int? Length { get; set; }

    /// <summary>Whether the local API (and later central) may write the point; holding and coil tables only.</summary>
    public bool Writable { get; set; }

    public string Unit { get; set; } = string.Empty;

    public int PeriodMs { get; set; } = 1000;

    public string Description { get; set; } = string.Empty;

    /// <summary>snmp only: the object's OID; a scalar instance (ending .0) or, with Rows, a table column (walked).</summary>
    public string? Oid { get; set; }

    /// <summary>snmp only: the OID is a table column; one point per row 1..Rows (ids device/point/row).</summary>
    public int? Rows { get; set; }

    /// <summary>snmp only: a change of this bool point (set / cleared) is also sent as an event.</summary>
    public bool Alarm { get; set; }
}

/// <summary>Edge:Snmp.</summary>
internal sealed class SnmpEdgeOptions
{
    /// <summary>host:port of the trap/inform listener (e.g. 127.0.0.1:10162); empty = no listener.</summary>
    public string TrapListen { get; set; } = string.Empty;
}
