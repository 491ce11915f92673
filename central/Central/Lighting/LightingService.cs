using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using City.Central.Commands;
using City.Central.Ingest;
using City.Central.State;
using City.Protocols.Talq;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace City.Central.Lighting;

/// <summary>
/// Central's lighting programs: the TALQ calendars and control programs, each gateway's assignment, and each gateway's
/// status. Every change rebuilds the sets of the gateways it touches; a set whose version changed is pushed as a
/// lighting_config command through the <see cref="CommandService"/>; the gateways' results and births confirm it.
/// State lives in memory under one lock and is written through to <see cref="LightingStore"/> before anything is answered.
/// </summary>
internal sealed partial class LightingService : BackgroundService, IGatewayBirths
{
    /// <summary>How long a push waits for its gateway (the command's not_after): a day.</summary>
    public const int PushExpirySeconds = 86_400;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly LightingStore _store;
    private readonly CommandService _commands;
    private readonly GatewayRegistry _registry;
    private readonly TimeProvider _time;
    private readonly ILogger<LightingService> _logger;
    private readonly Lock _gate = new();

    private readonly Dictionary<string, TalqCalendar> _calendars = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _calendarJson = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TalqControlProgram> _programs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _programJson = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GatewayAssignment> _assignments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LightingStatus> _statuses = new(StringComparer.Ordinal);

    // The gateways whose birth waits to be checked (a set, so bounded by the number of gateways), and the loop's wake-up.
    private readonly ConcurrentDictionary<string, byte> _births = new(StringComparer.Ordinal);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public LightingService(LightingStore store, CommandService commands, GatewayRegistry registry, TimeProvider time, ILogger<LightingService> logger)
    {
        _store = store;
        _commands = commands;
        _registry = registry;
        _time = time;
        _logger = logger;
        Load();
        commands.TargetsFinished += OnTargetsFinished;
    }

    public IReadOnlyList<string> CalendarJsons()
    {
        lock (_gate)
        {
            return [.. _calendarJson.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Value)];
        }
    }

    public string? CalendarJson(string id)
    {
        lock (_gate)
        {
            return _calendarJson.GetValueOrDefault(id);
        }
    }

    public IReadOnlyList<string> ProgramJsons()
    {
        lock (_gate)
        {
            return [.. _programJson.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value)];
        }
    }

    public string? ProgramJson(string id)
    {
        lock (_gate)
        {
            return _programJson.GetValueOrDefault(id);
        }
    }

    public bool CalendarExists(string id)
    {
        lock (_gate)
        {
            return _calendars.ContainsKey(id);
        }
    }

    public GatewayAssignment? Assignment(string gateway)
    {
        lock (_gate)
        {
            return _assignments.GetValueOrDefault(gateway);
        }
    }

    /// <summary>The set the gateway should run (its assignment, calendars and programs), or null when it has no assignment.</summary>
    public LightingSet? SetOf(string gateway)
    {
        lock (_gate)
        {
            return _assignments.ContainsKey(gateway) ? BuildSet(gateway) : null;
        }
    }

    public IReadOnlyList<KeyValuePair<string, GatewayAssignment>> Assignments()
    {
        lock (_gate)
        {
            return [.. _assignments.OrderBy(a => a.Key, StringComparer.Ordinal)];
        }
    }

    /// <summary>The status of every gateway central knows (registry) or has a lighting status for, by gateway id.</summary>
    public IReadOnlyList<LightingStatus> Statuses()
    {
        lock (_gate)
        {
            var known = _registry.All().Select(g => g.Id).Where(id => !_statuses.ContainsKey(id))
                .Select(id => new LightingStatus { Gateway = id, AppliedVersion = _registry.TryGet(id, out var s) ? s.LightingVersion : string.Empty });
            return [.. _statuses.Values.Concat(known).OrderBy(s => s.Gateway, StringComparer.Ordinal)];
        }
    }

    /// <summary>Stores a calendar (its programs must exist) and pushes the sets of the gateways that use it.</summary>
    public LightingOutcome PutCalendar(string id, TalqCalendar calendar, string issuer)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        lock (_gate)
        {
            var problems = LightingSetBuilder.UnknownPrograms(calendar, _programs.ContainsKey);
            if (problems.Count > 0)
            {
                return LightingOutcome.Invalid(problems);
            }

            var json = TalqJson.Serialize(calendar);
            _store.Put(LightingStore.Calendars, id, json);
            var created = _calendars.TryAdd(id, calendar);
            _calendars[id] = calendar;
            _calendarJson[id] = json;
            LogChanged(_logger, "calendar", id, issuer);
            var pushed = ReconcileAll(GatewaysUsing([id]), issuer);
            return new LightingOutcome(created ? LightingOutcomeKind.Created : LightingOutcomeKind.Updated, [], pushed);
        }
    }

    /// <summary>Stores a control program and pushes the sets of the gateways whose calendars use it.</summary>
    public LightingOutcome PutProgram(string id, TalqControlProgram program, string issuer)
    {
        ArgumentNullException.ThrowIfNull(program);
        lock (_gate)
        {
            var json = TalqJson.Serialize(program);
            _store.Put(LightingStore.Programs, id, json);
            var created = _programs.TryAdd(id, program);
            _programs[id] = program;
            _programJson[id] = json;
            LogChanged(_logger, "control program", id, issuer);
            var pushed = ReconcileAll(GatewaysUsing(CalendarsUsing(id)), issuer);
            return new LightingOutcome(created ? LightingOutcomeKind.Created : LightingOutcomeKind.Updated, [], pushed);
        }
    }

    /// <summary>Deletes a calendar no gateway's assignment names (else InUse, naming the gateways).</summary>
    public LightingOutcome DeleteCalendar(string id, string issuer)
    {
        lock (_gate)
        {
            if (!_calendars.ContainsKey(id))
            {
                return LightingOutcome.Of(LightingOutcomeKind.NotFound);
            }

            var users = GatewaysUsing([id]);
            if (users.Count > 0)
            {
                return LightingOutcome.InUse([.. users.Select(g => "gateway " + g)]);
            }

            _store.Delete(LightingStore.Calendars, id);
            _calendars.Remove(id);
            _calendarJson.Remove(id);
            LogDeleted(_logger, "calendar", id, issuer);
            return LightingOutcome.Of(LightingOutcomeKind.Deleted);
        }
    }

    /// <summary>Deletes a control program no calendar names (else InUse, naming the calendars).</summary>
    public LightingOutcome DeleteProgram(string id, string issuer)
    {
        lock (_gate)
        {
            if (!_programs.ContainsKey(id))
            {
                return LightingOutcome.Of(LightingOutcomeKind.NotFound);
            }

            var users = CalendarsUsing(id);
            if (users.Count > 0)
            {
                return LightingOutcome.InUse([.. users.Select(c => "calendar " + c)]);
            }

            _store.Delete(LightingStore.Programs, id);
            _programs.Remove(id);
            _programJson.Remove(id);
            LogDeleted(_logger, "control program", id, issuer);
            return LightingOutcome.Of(LightingOutcomeKind.Deleted);
        }
    }

    /// <summary>Stores a gateway's assignment (its calendars must exist) and pushes its set when the version changed.</summary>
    public LightingOutcome PutAssignment(string gateway, GatewayAssignment assignment, string issuer)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        lock (_gate)
        {
            var unknown = assignment.Groups.Select(g => g.Calendar).Where(c => !_calendars.ContainsKey(c)).Distinct(StringComparer.Ordinal).ToList();
            if (unknown.Count > 0)
            {
                return LightingOutcome.Invalid([.. unknown.Select(c => $"groups: unknown calendar '{c}'.")]);
            }

            _store.Put(LightingStore.Assignments, gateway, JsonSerializer.Serialize(assignment, Json));
            var created = _assignments.TryAdd(gateway, assignment);
            _assignments[gateway] = assignment;
            LogChanged(_logger, "assignment of", gateway, issuer);
            var pushed = ReconcileAll([gateway], issuer);
            return new LightingOutcome(created ? LightingOutcomeKind.Created : LightingOutcomeKind.Updated, [], pushed);
        }
    }

    /// <summary>Deletes a gateway's assignment; a gateway that was sent a set gets an empty one (it runs nothing then).</summary>
    public LightingOutcome DeleteAssignment(string gateway, string issuer)
    {
        lock (_gate)
        {
            if (!_assignments.Remove(gateway))
            {
                return LightingOutcome.Of(LightingOutcomeKind.NotFound);
            }

            _store.Delete(LightingStore.Assignments, gateway);
            LogDeleted(_logger, "assignment of", gateway, issuer);
            var pushed = ReconcileAll([gateway], issuer);
            return new LightingOutcome(LightingOutcomeKind.Deleted, [], pushed);
        }
    }

    /// <summary>The gateways whose assignment names one of <paramref name="calendars"/>.</summary>
    private List<string> GatewaysUsing(IReadOnlyCollection<string> calendars) =>
        [.. _assignments.Where(a => a.Value.Groups.Any(g => calendars.Contains(g.Calendar))).Select(a => a.Key).Order(StringComparer.Ordinal)];

    private List<string> CalendarsUsing(string program) =>
        [.. _calendars.Where(c => LightingSetBuilder.ProgramsOf(c.Value).Contains(program, StringComparer.Ordinal)).Select(c => c.Key).Order(StringComparer.Ordinal)];

    private void Load()
    {
        foreach (var (id, json) in _store.Load(LightingStore.Programs))
        {
            if (TalqJson.TryParseControlProgram(json, out var program, out var errors))
            {
                _programs[id] = program!;
                _programJson[id] = json;
            }
            else
            {
                LogUnreadable(_logger, "control program", id, string.Join(" ", errors));
            }
        }

        foreach (var (id, json) in _store.Load(LightingStore.Calendars))
        {
            if (TalqJson.TryParseCalendar(json, out var calendar, out var errors) && LightingSetBuilder.UnknownPrograms(calendar!, _programs.ContainsKey) is { Count: 0 })
            {
                _calendars[id] = calendar!;
                _calendarJson[id] = json;
            }
            else
            {
                LogUnreadable(_logger, "calendar", id, string.Join(" ", errors));
            }
        }

        foreach (var (gateway, json) in _store.Load(LightingStore.Assignments))
        {
            var assignment = JsonSerializer.Deserialize<GatewayAssignment>(json, Json);
            if (assignment is not null && assignment.Groups.All(g => _calendars.ContainsKey(g.Calendar)))
            {
                _assignments[gateway] = assignment;
            }
            else
            {
                LogUnreadable(_logger, "assignment", gateway, "it names a calendar that could not be read");
            }
        }

        foreach (var (gateway, json) in _store.Load(LightingStore.Statuses))
        {
            if (JsonSerializer.Deserialize<LightingStatus>(json, Json) is { } status)
            {
                _statuses[gateway] = status;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Lighting: {Kind} '{Id}' stored by '{Issuer}'")]
    private static partial void LogChanged(ILogger logger, string kind, string id, string issuer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Lighting: {Kind} '{Id}' deleted by '{Issuer}'")]
    private static partial void LogDeleted(ILogger logger, string kind, string id, string issuer);

    [LoggerMessage(Level = LogLevel.Error, Message = "Lighting: the stored {Kind} '{Id}' cannot be read and is left out: {Problem}")]
    private static partial void LogUnreadable(ILogger logger, string kind, string id, string problem);
}
