using City.Edge.Devices;
using City.Protocols.Modbus.DataModel;

namespace City.Edge.Modbus;

// GET /v1/devices/{name}/plan of a Modbus device. edgectl depends on these shapes: change them together.

/// <summary>A device's request plan: per period group the requests (table, function, start, count, fill, points) and totals.</summary>
internal sealed record DevicePlanDocument(
    string Device,
    string Protocol,
    string Endpoint,
    byte UnitId,
    string? Profile,
    bool Enabled,
    PlanLimitsDocument Limits,
    IReadOnlyList<PlanGroupDocument> Groups,
    PlanTotalsDocument Totals);

internal sealed record PlanLimitsDocument(int MaxRegistersPerRequest, int MaxBitsPerRequest, int MaxInsert, int PauseAfterConnectMs, int PauseBetweenRequestsMs, int Retries);

/// <summary>One period group; Registers and Fill count registers, Bits and FillBits coils/discrete inputs.</summary>
internal sealed record PlanGroupDocument(int PeriodMs, int Points, int RequestsPerCycle, int Registers, int Bits, int Fill, int FillBits, IReadOnlyList<PlanRequestDocument> Requests);

/// <summary>Start and Count are registers, or bits for the coil and discrete tables; Fill is the part no point uses.</summary>
internal sealed record PlanRequestDocument(string Table, string Function, int Start, int Count, int Fill, IReadOnlyList<string> Points);

internal sealed record PlanTotalsDocument(int Points, int Requests, double RequestsPerSecond, double RegistersPerSecond, double BitsPerSecond);

internal static class ModbusPlanDocument
{
    public static DevicePlanDocument Build(DeviceDefinition device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var groups = device.Plan().Select(g =>
        {
            var requests = g.Requests.Select(r => new PlanRequestDocument(
                r.Table.ConfigName(), $"FC{(byte)r.Function:D2}", r.Start, r.Count, r.Fill, r.Points.Select(p => p.Name).ToList())).ToList();
            var registerRequests = g.Requests.Where(r => !r.Table.IsBitTable()).ToList();
            var bitRequests = g.Requests.Where(r => r.Table.IsBitTable()).ToList();
            return new PlanGroupDocument(g.PeriodMs, g.Requests.Sum(r => r.Points.Count), g.Requests.Count,
                registerRequests.Sum(r => r.Count), bitRequests.Sum(r => r.Count), registerRequests.Sum(r => r.Fill), bitRequests.Sum(r => r.Fill), requests);
        }).ToList();
        var totals = new PlanTotalsDocument(
            device.Points.Count,
            groups.Sum(g => g.RequestsPerCycle),
            Math.Round(groups.Sum(g => g.RequestsPerCycle * 1000.0 / g.PeriodMs), 3),
            Math.Round(groups.Sum(g => g.Registers * 1000.0 / g.PeriodMs), 3),
            Math.Round(groups.Sum(g => g.Bits * 1000.0 / g.PeriodMs), 3));
        var limits = new PlanLimitsDocument(device.Limits.MaxRegistersPerRequest, device.Limits.MaxBitsPerRequest, device.Limits.MaxInsert,
            (int)device.PauseAfterConnect.TotalMilliseconds, (int)device.PauseBetweenRequests.TotalMilliseconds, device.Retries);
        return new DevicePlanDocument(device.Name, device.Protocol, device.Endpoint, device.UnitId, device.Profile, device.Enabled, limits, groups, totals);
    }
}
