using City.Contract;
using City.Contract.Wire;
using City.Edge.Dali;

namespace City.Edge.Tests;

/// <summary>Collects the poller's readings by point id.</summary>
internal sealed class DaliCollectingSink : IDaliReadingSink
{
    private readonly Lock _gate = new();
    private readonly List<(string Id, PointValue Value, Quality Quality)> _readings = [];

    public IReadOnlyList<(string Id, PointValue Value, Quality Quality)> Readings
    {
        get
        {
            lock (_gate)
            {
                return _readings.ToList();
            }
        }
    }

    public IReadOnlyList<string> Events(string line) => Readings.Where(r => r.Id == $"{line}/events").Select(r => r.Value.Text!).ToList();

    public PointValue? Last(string id) => Readings.LastOrDefault(r => r.Id == id) is { Id: not null } last ? last.Value : null;

    public ValueTask WriteAsync(string pointId, PointValue value, Quality quality, DateTimeOffset timestamp, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _readings.Add((pointId, value, quality));
        }

        return ValueTask.CompletedTask;
    }
}
