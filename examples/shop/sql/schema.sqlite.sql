-- The shop's relational schema, SQLite dialect (the embedded default backend).
-- Money is integer cents; every table has an integer auto-increment id and a version column for
-- optimistic locking (the repository checks it on update and delete).
PRAGMA foreign_keys = ON;

CREATE TABLE IF NOT EXISTS users (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    username   TEXT    NOT NULL,
    email      TEXT    NOT NULL,
    full_name  TEXT    NOT NULL,
    is_seller  INTEGER NOT NULL DEFAULT 0 CHECK (is_seller IN (0, 1)),
    created_at TEXT    NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT users_username_unique UNIQUE (username),
    CONSTRAINT users_email_unique UNIQUE (email)
);

CREATE TABLE IF NOT EXISTS categories (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id INTEGER REFERENCES categories (id) ON DELETE RESTRICT,
    name      TEXT    NOT NULL,
    version   INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS categories_parent ON categories (parent_id, name);

CREATE TABLE IF NOT EXISTS products (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    seller_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    category_id INTEGER NOT NULL REFERENCES categories (id) ON DELETE RESTRICT,
    name        TEXT    NOT NULL,
    description TEXT,
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
    inventory   INTEGER NOT NULL CHECK (inventory >= 0),
    created_at  TEXT    NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS products_category ON products (category_id, id);
CREATE INDEX IF NOT EXISTS products_seller ON products (seller_id, id);

CREATE TABLE IF NOT EXISTS cart_items (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    product_id INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    added_at   TEXT    NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT cart_items_user_product_unique UNIQUE (user_id, product_id)
);

CREATE TABLE IF NOT EXISTS orders (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    status      TEXT    NOT NULL CHECK (status IN ('pending', 'completed', 'cancelled')),
    total_cents INTEGER NOT NULL CHECK (total_cents >= 0),
    item_count  INTEGER NOT NULL CHECK (item_count >= 0),
    created_at  TEXT    NOT NULL,
    recency_key TEXT    NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS orders_user ON orders (user_id, recency_key);
CREATE INDEX IF NOT EXISTS orders_status ON orders (status, recency_key);

CREATE TABLE IF NOT EXISTS order_items (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id         INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id       INTEGER NOT NULL REFERENCES products (id) ON DELETE RESTRICT,
    product_name     TEXT    NOT NULL,
    unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents >= 0),
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS order_items_order ON order_items (order_id, id);
