mod pgx;
