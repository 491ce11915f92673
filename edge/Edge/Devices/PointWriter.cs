namespace City.Edge.Devices;

/// <summary>How a write ended: ok, refused before anything was sent, unknown device or point, or the device's answer.</summary>
internal enum WriteStatus
{
    Ok,

    /// <summary>Not sent: the point is not Writable, in a read-only table, or the value does not fit.</summary>
    Refused,

    NotFound,

    /// <summary>The device answered with an error of its protocol (a Modbus exception, an SNMP error-status).</summary>
    Exception,

    /// <summary>The device did not answer in time.</summary>
    Timeout,

    /// <summary>The link failed (connection refused, serial port gone, garbled answer).</summary>
    CommLoss,
}

/// <summary>The outcome of one point write, as the local API reports it.</summary>
internal sealed record WriteResult(
    string Point,
    WriteStatus Status,
    string Message,
    string? Value = null,
    string? Function = null,
    int? Address = null,
    IReadOnlyList<ushort>? Registers = null,
    byte? ExceptionCode = null,
    string? ExceptionName = null)
{
    public bool Ok => Status == WriteStatus.Ok;
}

/// <summary>
/// Writes one configured point of any protocol: finds the device and the point, refuses a disabled device, and hands the
/// write to the device's <see cref="IDeviceRunner"/>. The local API calls it; the remote command path from central is meant
/// to call it too.
/// </summary>
internal sealed class PointWriter(EdgeSettings settings, IEnumerable<IDeviceRunner> runners)
{
    private readonly Dictionary<string, DeviceDefinition> _devices = settings.Devices.ToDictionary(d => d.Name, StringComparer.Ordinal);
    private readonly List<IDeviceRunner> _runners = runners.ToList();

    public async Task<WriteResult> WriteAsync(string deviceName, string pointName, PointWriteValue value, CancellationToken cancellationToken)
    {
        var id = $"{deviceName}/{pointName}";
        if (!_devices.TryGetValue(deviceName, out var device))
        {
            return new WriteResult(id, WriteStatus.NotFound, $"no device named '{deviceName}' (known: {string.Join(", ", _devices.Keys)})");
        }

        var point = device.Points.FirstOrDefault(p => p.Name == pointName);
        if (point is null)
        {
            return new WriteResult(id, WriteStatus.NotFound, $"device '{deviceName}' has no point named '{pointName}'");
        }

        if (!device.Enabled)
        {
            return new WriteResult(id, WriteStatus.Refused, $"{id}: device '{deviceName}' is disabled (Enabled=false)", value.ToString());
        }

        var runner = _runners.FirstOrDefault(r => r.Handles(device))
            ?? throw new InvalidOperationException($"no driver runs the devices of protocol '{device.Protocol}'");
        return await runner.WriteAsync(device, point, value, cancellationToken).ConfigureAwait(false);
    }
}
