using City.Edge.Configuration;
using City.Edge.Devices;

namespace City.Edge.Snmp;

/// <summary>GET /v1/devices/{name}/plan for an SNMP device: per period the scalars of one GET and the walked columns.</summary>
internal sealed record SnmpPlanDocument(string Device, string Protocol, string Endpoint, string Version, string? Profile, bool Enabled, int TimeoutMs, int Retries, int MaxRepetitions, IReadOnlyList<SnmpPlanGroupDocument> Groups)
{
    public static SnmpPlanDocument Build(DeviceDefinition device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var snmp = device.SnmpSettings!;
        var groups = SnmpDevicePoller.Plan(device).Select(g => new SnmpPlanGroupDocument(
            g.PeriodMs,
            g.Points.Count(),
            g.ScalarOids.Select(o => o.ToString()).ToList(),
            g.Columns.Select(c => new SnmpPlanWalkDocument(c.Column.ToString(), c.Rows.Count, c.Rows.Select(r => r.Name).ToList())).ToList())).ToList();
        return new SnmpPlanDocument(device.Name, device.Protocol, device.Endpoint, snmp.Endpoint.Describe(), device.Profile, device.Enabled,
            (int)snmp.Endpoint.Timeout.TotalMilliseconds, snmp.Endpoint.Retries, snmp.MaxRepetitions, groups);
    }
}

/// <summary>Gets: the OIDs of the one GET per cycle (split by the manager on tooBig); Walks: one GETBULK walk each.</summary>
internal sealed record SnmpPlanGroupDocument(int PeriodMs, int Points, IReadOnlyList<string> Gets, IReadOnlyList<SnmpPlanWalkDocument> Walks);

internal sealed record SnmpPlanWalkDocument(string Column, int Rows, IReadOnlyList<string> Points);
