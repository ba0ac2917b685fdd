using System.Net.Sockets;
using Npgsql;
using NeTracker.Web.History.DuckDb;

namespace NeTracker.Web.History.Postgres;

/// <summary>PostgreSQL failures in words a user can act on.</summary>
internal static class PostgresErrors
{
    public static bool IsStorageFailure(Exception e) =>
        e is NpgsqlException or SocketException or IOException or TimeoutException or DuckDbSchemaException
        || (e is InvalidOperationException && e.InnerException is NpgsqlException or SocketException);

    public static string Describe(Exception e, string where) => e switch
    {
        DuckDbSchemaException => e.Message,
        PostgresException { SqlState: "28P01" or "28000" } p => $"{where} refused the credentials: {p.MessageText}. Check NeTracker:History:Postgres:ConnectionString.",
        PostgresException { SqlState: "3D000" } p => $"{where}: {p.MessageText}. Create the database (createdb) or fix the connection string.",
        PostgresException { SqlState: "53100" } => $"The disk of the PostgreSQL server at {where} is full. Records are kept in memory (bounded) and written when space is freed.",
        PostgresException { SqlState: "57P01" or "57P02" or "57P03" } => $"The PostgreSQL server at {where} is shutting down or starting. Records are kept in memory (bounded) and written when it is back.",
        PostgresException p => $"PostgreSQL error at {where}: {p.SqlState} {p.MessageText}",
        NpgsqlException { InnerException: SocketException s } => $"Cannot reach PostgreSQL at {where}: {s.Message}. Records are kept in memory (bounded) and written when it is back.",
        NpgsqlException or SocketException or IOException or TimeoutException => $"Cannot reach PostgreSQL at {where}: {e.Message}. Records are kept in memory (bounded) and written when it is back.",
        _ => $"Unexpected error on {where}: {e.Message}",
    };
}
