using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace City.Central.Api;

/// <summary>What a parameter holds, which gives its schema in the OpenAPI document (and what the fuzz test sends).</summary>
internal enum ParamKind
{
    /// <summary>Any text.</summary>
    Text,

    /// <summary>A gateway id: 1-64 of A-Z a-z 0-9 . _ -.</summary>
    Gateway,

    /// <summary>An ISO-8601 time or a whole number of Unix milliseconds.</summary>
    Time,

    /// <summary>A whole number between <see cref="ParamDoc.Minimum"/> and <see cref="ParamDoc.Maximum"/>.</summary>
    Integer,

    /// <summary>One of <see cref="ParamDoc.Values"/>.</summary>
    Choice,

    /// <summary>An opaque cursor: the nextCursor of a previous page.</summary>
    Cursor,

    /// <summary>A UUID.</summary>
    Uuid,
}

/// <summary>A parameter's description for the OpenAPI document (query or path), added to an endpoint as metadata.</summary>
internal sealed record ParamDoc(
    string Name,
    string Description,
    ParamKind Kind = ParamKind.Text,
    bool Required = false,
    bool InPath = false,
    IReadOnlyList<string>? Values = null,
    long? Minimum = null,
    long? Maximum = null,
    bool Deprecated = false);

/// <summary>Another shape a response of <see cref="Status"/> may have besides the one of its ProducesResponseTypeMetadata.</summary>
internal sealed record ResponseAlternative(int Status, Type Type);

/// <summary>A request body's description: the schema of <see cref="Type"/> (any value when null) and, per content type, an example the fuzz test starts from.</summary>
internal sealed record BodyDoc(Type? Type, string Description, IReadOnlyDictionary<string, string> Examples, bool Required = true);

/// <summary>
/// How an endpoint describes itself for <c>/openapi/v1.json</c>: every endpoint calls <see cref="Doc"/> (operation id, tag,
/// summary), <see cref="Param"/> for each query or path parameter its handler reads, <see cref="Returns{T}"/> for each
/// success, <see cref="Fails"/> for each error status (all in <see cref="ErrorResponse"/>'s shape), and
/// <see cref="ForRole"/> instead of RequireAuthorization. 401 and 500 are added to every /api/v1 endpoint by the group.
/// </summary>
internal static class ApiDocs
{
    public const string Json = "application/json";

    public static TBuilder Doc<TBuilder>(this TBuilder builder, string operationId, string tag, string summary, string? description = null)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.WithName(operationId).WithTags(tag).WithSummary(summary);
        return description is null ? builder : builder.WithDescription(description);
    }

    public static TBuilder Param<TBuilder>(this TBuilder builder, ParamDoc parameter)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithMetadata(parameter);
    }

    public static TBuilder Param<TBuilder>(this TBuilder builder, string name, string description, ParamKind kind = ParamKind.Text, bool required = false)
        where TBuilder : IEndpointConventionBuilder =>
        builder.Param(new ParamDoc(name, description, kind, required));

    public static TBuilder PathParam<TBuilder>(this TBuilder builder, string name, string description, ParamKind kind = ParamKind.Text)
        where TBuilder : IEndpointConventionBuilder =>
        builder.Param(new ParamDoc(name, description, kind, Required: true, InPath: true));

    public static RouteHandlerBuilder Returns<T>(this RouteHandlerBuilder builder, int status = StatusCodes.Status200OK, string description = "OK") =>
        builder.Returns(typeof(T), status, description);

    /// <summary>A success of <paramref name="type"/>'s schema in <paramref name="contentType"/> (any endpoint builder; <c>typeof(string)</c> for text).</summary>
    public static TBuilder Returns<TBuilder>(this TBuilder builder, Type type, int status = StatusCodes.Status200OK, string description = "OK", string contentType = Json)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithMetadata(new ProducesResponseTypeMetadata(status, type, [contentType]) { Description = description });
    }

    /// <summary>A success whose body is one of two shapes (documented as oneOf).</summary>
    public static RouteHandlerBuilder ReturnsEither<T1, T2>(this RouteHandlerBuilder builder, int status = StatusCodes.Status200OK, string description = "OK") =>
        builder.Returns<T1>(status, description).WithMetadata(new ResponseAlternative(status, typeof(T2)));

    /// <summary>A success without a body (204).</summary>
    public static TBuilder ReturnsNothing<TBuilder>(this TBuilder builder, int status = StatusCodes.Status204NoContent, string description = "Done; no body.")
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(void), []) { Description = description });
    }

    /// <summary>Error statuses the handler answers, each with <see cref="ErrorResponse"/>.</summary>
    public static TBuilder Fails<TBuilder>(this TBuilder builder, params int[] statuses)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var status in statuses)
        {
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(ErrorResponse), [Json]) { Description = ErrorDescription(status) });
        }

        return builder;
    }

    public static TBuilder Body<TBuilder>(this TBuilder builder, BodyDoc body)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithMetadata(body);
    }

    public static RouteHandlerBuilder Body<T>(this RouteHandlerBuilder builder, string description, string example) =>
        builder.Body(new BodyDoc(typeof(T), description, new Dictionary<string, string>(StringComparer.Ordinal) { [Json] = example }));

    /// <summary>Requires a token of at least <paramref name="policy"/>'s role; a lower role is 403.</summary>
    public static TBuilder ForRole<TBuilder>(this TBuilder builder, string policy)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.RequireAuthorization(policy).Fails(StatusCodes.Status403Forbidden);
    }

    private static string ErrorDescription(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "A parameter or the body is not valid; the error names it.",
        StatusCodes.Status401Unauthorized => "No bearer token, or one central does not know (WWW-Authenticate: Bearer).",
        StatusCodes.Status403Forbidden => "The token's role is too low for this endpoint.",
        StatusCodes.Status404NotFound => "What the request names is unknown.",
        StatusCodes.Status409Conflict => "The change conflicts with what is stored.",
        StatusCodes.Status413PayloadTooLarge => "The body is too large.",
        StatusCodes.Status415UnsupportedMediaType => "The Content-Type is not one this endpoint takes.",
        StatusCodes.Status500InternalServerError => "Central could not do it (a store error); the error says what.",
        StatusCodes.Status503ServiceUnavailable => "Central cannot do it now; try again.",
        _ => "An error.",
    };
}
